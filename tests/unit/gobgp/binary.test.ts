import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import {
  dialDelay,
  gobgpTools,
  isFastDialer,
  parseGobgpVersion,
  slowSpeakerNote,
} from "../../../lab/gobgp/binary.ts";

test("the version is read from gobgpd --version", (t) => {
  t.is(parseGobgpVersion("gobgpd version 3.36.0\n"), "3.36.0");
  t.is(parseGobgpVersion("gobgpd version v3.37.0"), "3.37.0");
  t.is(parseGobgpVersion("usage: gobgpd"), null);
});

test("GoBGP 3.35 and later dial 1-2 s after start, older ones 5-10 s", (t) => {
  t.true(isFastDialer("3.35.0"));
  t.true(isFastDialer("3.37.0"));
  t.true(isFastDialer("4.0.0"));
  t.false(isFastDialer("3.10.0"));
  t.false(isFastDialer("3.34.9"));
  t.false(isFastDialer(null), "an unknown version gets the slow bound");
  t.is(dialDelay("3.36.0").maxS, 2);
  t.is(dialDelay("3.10.0").maxS, 10);
  t.regex(dialDelay("3.10.0").why, /gobgpd 3\.10\.0 dials 5-10 s/);
});

test("only a speaker older than Cilium's series gets the note, naming what it costs", (t) => {
  t.is(slowSpeakerNote({ gobgpd: "x", gobgp: "y", version: "3.36.0", local: true }), null);
  const note = slowSpeakerNote({ gobgpd: "gobgpd", gobgp: "gobgp", version: "3.10.0", local: false });
  t.regex(note ?? "", /system's gobgpd 3\.10\.0.*5-8 s longer.*make deps/);
});

test("the lab-local pair is used when both binaries are there, with the version they report", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "gobgp-bin-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const b of ["gobgpd", "gobgp"]) {
    writeFileSync(join(dir, b), `#!/bin/sh\necho "${b} version 3.36.0"\n`);
    chmodSync(join(dir, b), 0o755);
  }
  const tools = gobgpTools(dir);
  t.deepEqual(tools, {
    gobgpd: join(dir, "gobgpd"),
    gobgp: join(dir, "gobgp"),
    version: "3.36.0",
    local: true,
  });
  const none = gobgpTools(join(dir, "missing"));
  t.false(none.local);
  t.is(none.gobgpd, "gobgpd");
});
