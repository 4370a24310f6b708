import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { createOptions } from "../../../lab/docker/container-spec.ts";
import {
  nodeModulesIsDir,
  RUNNER_CAPABILITIES,
  RUNNER_WORKDIR,
  runnerName,
  runnerSpec,
} from "../../../lab/runner/container.ts";
import { pidFile, wrapped } from "../../../lab/runner/forward.ts";
import { commitChanges, runnerInputs } from "../../../lab/runner/image.ts";
import { takeFlag } from "../../../lab/runner/place.ts";

const CHECKOUT = "/home/me/xsite-lab";

test("the runner container: no network, the listed capabilities only, checkout at its own path", (t) => {
  const o = createOptions(
    runnerSpec({ lab: "xsite", image: "xsite/runner:abc", checkout: CHECKOUT, nodeModulesIsDir: true }),
  );
  t.is(o.name, "xsite-runner-xsite");
  t.is(runnerName("rn1"), "xsite-runner-rn1");
  const h = o.HostConfig ?? {};
  t.is(h.NetworkMode, "none");
  t.false(h.Privileged);
  t.deepEqual(h.CapAdd, ["NET_ADMIN", "SYS_ADMIN", "NET_RAW", "SYS_PTRACE"]);
  t.deepEqual(RUNNER_CAPABILITIES, h.CapAdd);
  t.deepEqual(h.SecurityOpt, ["seccomp=unconfined"]);
  // systempaths=unconfined as the engine takes it: nothing masked, nothing read-only.
  t.deepEqual(h.MaskedPaths, []);
  t.deepEqual(h.ReadonlyPaths, []);
  t.true(h.Init);
  t.deepEqual(h.Binds, [`${CHECKOUT}:${CHECKOUT}`]);
  t.deepEqual(h.Tmpfs, { [`${CHECKOUT}/node_modules`]: "" });
  t.is(o.WorkingDir, CHECKOUT);
  t.true(o.Env?.includes(`LAB_WORKDIR=${RUNNER_WORKDIR}`));
  t.true(o.Env?.includes(`LAB_OUTPUT=${CHECKOUT}/.lab`));
  t.true(o.Env?.includes("LAB_RUNNER=xsite-runner-xsite"));
  t.deepEqual(o.Labels, {
    "xsite.runner": "1",
    "xsite.runner.lab": "xsite",
    "xsite.runner.checkout": CHECKOUT,
  });
  const noMask = createOptions(
    runnerSpec({ lab: "xsite", image: "i", checkout: CHECKOUT, nodeModulesIsDir: false }),
  );
  t.is(noMask.HostConfig?.Tmpfs, undefined);
});

test("node_modules is masked only when it is a real directory (a symlink's target is not in the container)", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "rn-nm-"));
  const other = mkdtempSync(join(tmpdir(), "rn-nm-"));
  t.teardown(() => {
    for (const d of [dir, other]) rmSync(d, { recursive: true, force: true });
  });
  t.false(nodeModulesIsDir(dir));
  mkdirSync(join(dir, "real"));
  symlinkSync(join(dir, "real"), join(dir, "node_modules"));
  t.false(nodeModulesIsDir(dir));
  mkdirSync(join(other, "node_modules"));
  t.true(nodeModulesIsDir(other));
});

test("the inputs digest changes with each input, and labels the image", (t) => {
  const base = { dockerfile: "FROM x", lockFile: "{}", node: "20.20.2", arch: "x64" };
  const d = runnerInputs(base);
  t.regex(d, /^[0-9a-f]{12}$/);
  t.is(runnerInputs({ ...base, node: "20.1.0" }), d, "the same Node.js major");
  for (const change of [{ dockerfile: "FROM y" }, { lockFile: "{ }" }, { node: "22.1.0" }, { arch: "arm64" }])
    t.not(runnerInputs({ ...base, ...change }), d, JSON.stringify(change));
  t.true(commitChanges(d).some((c) => c.includes(`xsite.runner.inputs="${d}"`)));
});

test("forwarded commands record their pid, then become the command", (t) => {
  t.deepEqual(wrapped(["node", "a b"], "t1"), [
    "sh",
    "-c",
    `echo $$ > ${pidFile("t1")} && exec "$@"`,
    "sh",
    "node",
    "a b",
  ]);
});

test("takeFlag: both spellings, only before --, a missing value is a usage error", (t) => {
  t.deepEqual(takeFlag(["up", "--where", "host", "--name", "a"], ["--where"]), {
    value: "host",
    rest: ["up", "--name", "a"],
  });
  t.deepEqual(takeFlag(["--where=container"], ["--where"]), { value: "container", rest: [] });
  t.deepEqual(takeFlag(["n", "--", "cmd", "--where", "x"], ["--where"]), {
    rest: ["n", "--", "cmd", "--where", "x"],
  });
  t.throws(() => takeFlag(["--where"], ["--where"]), { message: /--where needs a value/ });
});
