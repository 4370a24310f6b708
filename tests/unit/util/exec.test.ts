// util/exec's run: where commands run (namespace name or entry prefix), timeouts with and
// without a grace period, and aborts; real processes, bounded to a few seconds.
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { CommandError } from "../../../lab/util/errors.ts";
import { inNetns, interactive, run, whereLabel } from "../../../lab/util/exec.ts";

/** Ignores SIGTERM; its short sleeps never hold the output pipe open for long after a SIGKILL. */
const STUBBORN = ["sh", "-c", "trap '' TERM; while :; do sleep 0.1; done"];

test("a namespace name becomes ip netns exec, a prefix is used as given", (t) => {
  t.deepEqual(inNetns("lab-r1", ["ip", "route"]), ["ip", "netns", "exec", "lab-r1", "ip", "route"]);
  t.deepEqual(inNetns(["nsenter", "--net=/proc/42/ns/net", "--"], ["ip", "route"]), [
    "nsenter",
    "--net=/proc/42/ns/net",
    "--",
    "ip",
    "route",
  ]);
  t.deepEqual(inNetns(undefined, ["true"]), ["true"]);
  t.is(whereLabel(["nsenter", "--net=/proc/42/ns/net", "--"]), "nsenter --net=/proc/42/ns/net --");
});

test("a prefix really wraps the command (env as a stand-in for nsenter)", async (t) => {
  const r = await run(["sh", "-c", 'echo "$XS_WHERE"'], { netns: ["env", "XS_WHERE=inside"] });
  t.is(r.stdout, "inside\n");
  const err = await t.throwsAsync(run(["false"], { netns: ["env", "A=1"] }), { instanceOf: CommandError });
  t.regex(err?.message ?? "", /^false \(in netns env A=1\) exited with 1/);
});

// No upper bounds on durations here (the machine may be loaded): what ends each command proves
// which signal it got, and a wait that never ended would hit ava's own timeout.
test("timeout without grace: SIGKILL at once, even for a command that ignores SIGTERM", async (t) => {
  const r = await run(STUBBORN, { timeoutMs: 200, allowFailure: true });
  t.true(r.timedOut, "only SIGKILL ends a command that ignores SIGTERM");
  t.regex(r.stderr, /killed after 200 ms/);
});

test("timeout with grace: SIGTERM first, SIGKILL only for what ignores it", async (t) => {
  // The polite command says it got SIGTERM and ends; with a 60 s grace, waiting for the grace
  // instead would exceed ava's timeout.
  const polite = await run(["sh", "-c", "trap 'echo got TERM; exit 0' TERM; while :; do sleep 0.1; done"], {
    timeoutMs: 200,
    graceMs: 60_000,
    allowFailure: true,
  });
  t.true(polite.timedOut);
  t.regex(polite.stdout, /got TERM/);
  const started = performance.now();
  const stubborn = await run(STUBBORN, {
    timeoutMs: 200,
    graceMs: 700,
    allowFailure: true,
  });
  t.true(stubborn.timedOut);
  const took = performance.now() - started;
  t.true(took >= 800, `killed only after the grace period (${Math.round(took)} ms)`);
});

test("abort: rejects with the signal's reason; an aborted signal starts nothing", async (t) => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(new Error("interrupted by SIGINT")), 100);
  await t.throwsAsync(run(["sleep", "3600"], { signal: controller.signal, graceMs: 1000 }), {
    message: "interrupted by SIGINT",
  });
  await t.throwsAsync(run(["sh", "-c", "echo started >&2"], { signal: controller.signal }), {
    message: "interrupted by SIGINT",
  });
});

test("names reach the program as one argv entry each, never read by a shell", async (t) => {
  const canary = join(tmpdir(), `xs-exec-canary-${process.pid}`);
  const hostile = [
    "it's",
    '"double"',
    `$(touch ${canary})`,
    `\`touch ${canary}\``,
    "a; touch x",
    "two\nlines",
    "with space",
    "$HOME",
    "*",
    "",
    "-n",
    "back\\slash",
  ];
  const r = await run(["printf", "%s\\0", ...hostile]);
  t.deepEqual(r.stdout.split("\0").slice(0, -1), hostile);
  const prefixed = await run(["printf", "%s\\0", ...hostile], { netns: ["env", "XS=$(id)"] });
  t.deepEqual(prefixed.stdout.split("\0").slice(0, -1), hostile);
  t.false(existsSync(canary), "no command substitution ran");
});

test("input reaches stdin; without input stdin is at end of file; env is passed", async (t) => {
  t.is((await run(["cat"], { input: "hello\n" })).stdout, "hello\n");
  t.is((await run(["cat"], { timeoutMs: 5000 })).stdout, "");
  const env = { ...process.env, XS_VALUE: "from env" };
  t.is((await run(["sh", "-c", 'printf %s "$XS_VALUE"'], { env })).stdout, "from env");
  // A program that exits without reading its input is no error (the write fails with EPIPE).
  t.is((await run(["true"], { input: "x".repeat(1 << 20) })).code, 0);
});

test("a character split across output chunks is decoded whole", async (t) => {
  const script = "process.stdout.write('€'.repeat(100000))";
  const r = await run([process.execPath, "-e", script]);
  t.is(r.stdout, "€".repeat(100000));
});

test("failure: CommandError with command, exit code and stderr; allowFailure returns the code", async (t) => {
  const failing = ["sh", "-c", "echo out; echo 'broken pipe dream' >&2; exit 3"];
  const err = await t.throwsAsync(run(failing), { instanceOf: CommandError });
  t.is(err?.exitCode, 3);
  t.is(err?.stdout, "out\n");
  t.regex(err?.message ?? "", /exited with 3: broken pipe dream/);
  const r = await run(failing, { allowFailure: true });
  t.deepEqual(r, { code: 3, stdout: "out\n", stderr: "broken pipe dream\n" });
});

test("a missing program: CommandError with no exit code and ENOENT (what bird/check looks for)", async (t) => {
  const err = await t.throwsAsync(run(["xs-no-such-program"]), { instanceOf: CommandError });
  t.is(err?.exitCode, null);
  t.regex(err?.stderr ?? "", /ENOENT/);
  const allowed = await t.throwsAsync(run(["xs-no-such-program"], { allowFailure: true }));
  t.true(allowed instanceof CommandError);
});

test("nothing is echoed: commands, output and errors stay in the result", async (t) => {
  const written: string[] = [];
  const [out, err] = [process.stdout.write, process.stderr.write];
  const capture = (chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  };
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
  try {
    await run(["sh", "-c", "echo to-stdout; echo to-stderr >&2; exit 1"], { allowFailure: true });
    await run(["sh", "-c", "echo quiet"]);
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
  t.deepEqual(written, []);
});

test("interactive: the exit code, 128 + signal, and 127 with why when it cannot start", async (t) => {
  t.deepEqual(await interactive(["sh", "-c", "exit 3"]), { code: 3 });
  t.deepEqual(await interactive(["sh", "-c", "kill -TERM $$"]), { code: 128 + 15 });
  const missing = await interactive(["no-such-program-xsite"]);
  t.is(missing.code, 127);
  t.regex(missing.error ?? "", /ENOENT/);
});

test("interactive: an abort reaches the command as SIGINT, and its own exit code is kept", async (t) => {
  const ac = new AbortController();
  setTimeout(() => ac.abort(new Error("interrupted")), 300);
  // An hour-long sleep: if the abort did not reach it, ava's timeout would end the test.
  const r = await interactive(["sh", "-c", "trap 'kill $!; exit 42' INT; sleep 3600 & wait"], {
    signal: ac.signal,
  });
  t.is(r.code, 42);
});
