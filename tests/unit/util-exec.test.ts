// util/exec's run: where commands run (namespace name or entry prefix), timeouts with and
// without a grace period, and aborts; real processes, bounded to a few seconds.
import test from "ava";
import { CommandError } from "../../lab/util/errors.ts";
import { inNetns, run, whereLabel } from "../../lab/util/exec.ts";

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

test("timeout without grace: SIGKILL at once, even for a command that ignores SIGTERM", async (t) => {
  const started = performance.now();
  const r = await run(STUBBORN, { timeoutMs: 200, allowFailure: true });
  t.true(r.timedOut);
  t.regex(r.stderr, /killed after 200 ms/);
  t.true(performance.now() - started < 2000);
});

test("timeout with grace: SIGTERM first, SIGKILL only for what ignores it", async (t) => {
  let started = performance.now();
  const polite = await run(["sleep", "5"], { timeoutMs: 200, graceMs: 3000, allowFailure: true });
  t.true(polite.timedOut);
  t.true(performance.now() - started < 1500, "sleep ends on SIGTERM, no grace wait");
  started = performance.now();
  const stubborn = await run(STUBBORN, {
    timeoutMs: 200,
    graceMs: 700,
    allowFailure: true,
  });
  t.true(stubborn.timedOut);
  const took = performance.now() - started;
  t.true(took >= 800 && took < 3000, `killed after the grace period (${Math.round(took)} ms)`);
});

test("abort: rejects with the signal's reason; an aborted signal starts nothing", async (t) => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(new Error("interrupted by SIGINT")), 100);
  const started = performance.now();
  await t.throwsAsync(run(["sleep", "5"], { signal: controller.signal, graceMs: 1000 }), {
    message: "interrupted by SIGINT",
  });
  t.true(performance.now() - started < 2000);
  await t.throwsAsync(run(["sh", "-c", "echo started >&2"], { signal: controller.signal }), {
    message: "interrupted by SIGINT",
  });
});
