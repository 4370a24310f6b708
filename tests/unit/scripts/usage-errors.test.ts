// Bad input on the command line exits 2 with the message and its hint, whichever layer refused it:
// the CLI kit (lint's --threshold) or the ZeroTier impairment flags (link). Both throw the lab's one
// UsageError; these pin what a user sees.
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { runLabCli } from "../../helpers/cli.ts";

function lab(args: string[], workdir: string) {
  return runLabCli(args, { LAB_WORKDIR: workdir });
}

test("a usage error prints error: message, then the hint bare, and exits 2", (t) => {
  const workdir = mkdtempSync(join(tmpdir(), "lab-usage-"));
  t.teardown(() => rmSync(workdir, { recursive: true, force: true }));
  const lint = lab(["lint", "--threshold", "abc"], workdir);
  t.is(lint.status, 2, lint.stderr);
  t.is(lint.stderr, 'error: --threshold "abc" is not a number of seconds\ne.g. --threshold 30s\n');
  const link = lab(["link", "zt", "set", "--delay", "abc", "--name", "usage"], workdir);
  t.is(link.status, 2, link.stderr);
  t.is(
    link.stderr,
    'error: --delay "abc": not a time; use a number with ms, s or us (example: --delay 30ms)\n',
  );
  t.deepEqual(readdirSync(workdir), [], "refused before creating anything");
});

test("link zt root needs a delay with a unit, up to 60 s; refused before the lab is looked at", (t) => {
  const workdir = mkdtempSync(join(tmpdir(), "lab-usage-"));
  t.teardown(() => rmSync(workdir, { recursive: true, force: true }));
  const none = lab(["link", "zt", "root", "--name", "usage"], workdir);
  t.is(none.status, 2, none.stderr);
  t.is(none.stderr, "error: link zt root needs --delay, got nothing\ne.g. --delay 20ms\n");
  const bare = lab(["link", "zt", "root", "--delay", "20", "--name", "usage"], workdir);
  t.is(bare.status, 2, bare.stderr);
  t.is(bare.stderr, "error: --delay 20: needs a unit, from 0 to 60s\ne.g. --delay 20ms\n");
  const long = lab(["link", "zt", "root", "--delay", "2m", "--name", "usage"], workdir);
  t.is(long.status, 2, long.stderr);
  t.deepEqual(readdirSync(workdir), [], "refused before creating anything");
});
