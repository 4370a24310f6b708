// The router image's two build methods must produce the same image; helpers of the offline one.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import {
  debootstrapArgs,
  installedVersions,
  type RootfsSpec,
  rootfsKey,
} from "../../../lab/docker/rootfs.ts";
import {
  importChanges,
  PACKAGES_LABEL,
  packagesLabelValue,
  ROUTER_CMD,
  ROUTER_CONTEXT,
  ROUTER_IMAGE,
  ROUTER_ROOTFS,
  splitTag,
} from "../../../lab/docker/router-image.ts";
import { runLines } from "../../../lab/docker/run-lines.ts";
import { findExecutable } from "../../../lab/docker/tools.ts";
import { CommandError } from "../../../lab/util/errors.ts";

const dockerfile = readFileSync(join(ROUTER_CONTEXT, "Dockerfile"), "utf8");

test("the Dockerfile installs the same packages as the offline root filesystem", (t) => {
  const install = /apt-get install -y --no-install-recommends ([^\\&\n]+)/.exec(dockerfile)?.[1];
  t.deepEqual(install?.trim().split(/\s+/).sort(), [...ROUTER_ROOTFS.include].sort());
  t.regex(dockerfile, /^FROM debian:bookworm-slim$/m);
  t.is(ROUTER_ROOTFS.suite, "bookworm");
});

test("the Dockerfile and the import give the image the same CMD and label", (t) => {
  const cmd = /^CMD (.+)$/m.exec(dockerfile)?.[1];
  t.deepEqual(JSON.parse(cmd ?? "null"), ROUTER_CMD);
  t.true(importChanges().includes(`CMD ${JSON.stringify(ROUTER_CMD)}`));
  const label = /^LABEL (.+)$/m.exec(dockerfile)?.[1];
  t.true(importChanges().includes(`LABEL ${label}`));
  t.true(label?.includes(`${PACKAGES_LABEL}="${packagesLabelValue()}"`), "names the packages, for rebuilds");
  for (const dir of ROUTER_ROOTFS.mkdirs ?? []) t.regex(dockerfile, new RegExp(`mkdir -p /${dir}\\b`));
});

test("splitTag handles registry ports and missing tags", (t) => {
  t.deepEqual(splitTag(ROUTER_IMAGE), { repo: "xsite/bird", tag: "2.0.12" });
  t.deepEqual(splitTag("localhost:5000/xsite/bird"), { repo: "localhost:5000/xsite/bird", tag: "latest" });
  t.deepEqual(splitTag("localhost:5000/bird:v1"), { repo: "localhost:5000/bird", tag: "v1" });
});

test("the rootfs cache key follows the package list and ignores its order", (t) => {
  const a: RootfsSpec = { suite: "bookworm", variant: "minbase", include: ["bird2", "iproute2"] };
  t.is(rootfsKey(a), rootfsKey({ ...a, include: ["iproute2", "bird2"] }));
  t.not(rootfsKey(a), rootfsKey({ ...a, include: ["bird2"] }));
  t.not(rootfsKey(a), rootfsKey({ ...a, suite: "trixie" }));
  t.not(rootfsKey(a), rootfsKey({ ...a, mirror: "http://mirror.example/debian" }));
  t.regex(rootfsKey(a), /^[0-9a-f]{12}$/);
});

test("debootstrap arguments", (t) => {
  t.deepEqual(debootstrapArgs(ROUTER_ROOTFS, "/c/rootfs"), [
    "--variant=minbase",
    "--include=bird2,iproute2,iputils-ping,nftables,ethtool,fping,make,procps,iperf3",
    "bookworm",
    "/c/rootfs",
  ]);
  t.is(debootstrapArgs({ ...ROUTER_ROOTFS, mirror: "http://m/debian" }, "/r").at(-1), "http://m/debian");
  // Without a mirror of its own, the machine's (from its apt sources); an explicit one wins.
  t.is(debootstrapArgs(ROUTER_ROOTFS, "/r", "http://local/debian").at(-1), "http://local/debian");
  t.is(
    debootstrapArgs({ ...ROUTER_ROOTFS, mirror: "http://m/debian" }, "/r", "http://local/debian").at(-1),
    "http://m/debian",
  );
});

test("installed versions come from dpkg status, installed packages only", (t) => {
  const status = [
    "Package: bird2\nStatus: install ok installed\nVersion: 2.0.12-7\n",
    "Package: iproute2\nStatus: deinstall ok config-files\nVersion: 6.1.0-3\n",
    "Package: libc6\nStatus: install ok installed\nVersion: 2.36-9\n",
  ].join("\n");
  t.deepEqual(installedVersions(status, ["bird2", "iproute2"]), { bird2: "2.0.12-7" });
});

test("runLines passes output on line by line and reports failures with the tail", async (t) => {
  const lines: string[] = [];
  await runLines(["sh", "-c", "echo one; echo two >&2; printf three"], { onLine: (l) => lines.push(l) });
  t.deepEqual(lines.sort(), ["one", "three", "two"]);
  const err = await t.throwsAsync(runLines(["sh", "-c", "echo bad >&2; exit 4"]), {
    instanceOf: CommandError,
  });
  t.is(err.exitCode, 4);
  t.regex(err.message, /bad/);
});

test("findExecutable searches PATH, then the sbin directories", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "xs-bin-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "tool-a"), "#!/bin/sh\n", { mode: 0o755 });
  writeFileSync(join(dir, "not-executable"), "", { mode: 0o644 });
  t.is(findExecutable("tool-a", dir), join(dir, "tool-a"));
  t.is(findExecutable("not-executable", dir), undefined);
  t.is(findExecutable("no-such-tool-xyz"), undefined);
});
