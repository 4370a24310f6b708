// The sch_netem probe's decision (tc's answer -> present, absent or unknown) and its command
// sequence, driven with a recording spawn: a throwaway namespace, the qdisc tried on its lo, the
// namespace deleted whatever happens. The real probe runs in tests/integration/util/netem.test.ts.
import test from "ava";
import { NETEM_FIX, netemProbeArgv, netemVerdict, probeNetem } from "../../../lab/util/netem.ts";

test("tc's answers decide: created is present, an unknown qdisc kind is absent with the fix, else unknown", (t) => {
  t.is(netemVerdict({ code: 0, stderr: "" }).state, "present");
  const absent = netemVerdict({ code: 2, stderr: "Error: Specified qdisc kind is unknown.\n" });
  t.deepEqual(absent, {
    state: "absent",
    why: 'this kernel has no netem qdisc (sch_netem): tc says "Error: Specified qdisc kind is unknown."',
    fix: NETEM_FIX,
  });
  // Older iproute2 words it differently.
  t.is(
    netemVerdict({
      code: 2,
      stderr: "RTNETLINK answers: No such file or directory\nError: Specified qdisc not found.\n",
    }).state,
    "absent",
  );
  const other = netemVerdict({ code: 1, stderr: "Cannot open network namespace: Permission denied\n" });
  t.is(other.state, "unknown");
  t.regex(NETEM_FIX, /modprobe sch_netem/);
  t.regex(NETEM_FIX, /linux-modules-extra/);
});

test("the probe works in a namespace of its own and always deletes it", (t) => {
  const ns = "labnetemtest";
  const argv = netemProbeArgv(ns);
  t.deepEqual(argv.attempt, [
    "ip",
    "netns",
    "exec",
    ns,
    "tc",
    "qdisc",
    "add",
    "dev",
    "lo",
    "root",
    "netem",
    "delay",
    "1ms",
  ]);
  for (const [attempt, state] of [
    [{ code: 0, stderr: "" }, "present"],
    [{ code: 2, stderr: "Error: Specified qdisc kind is unknown." }, "absent"],
  ] as const) {
    const calls: string[][] = [];
    const verdict = probeNetem({
      ns,
      spawn: (a) => {
        calls.push(a);
        return a === argv.attempt || a.join(" ") === argv.attempt.join(" ")
          ? attempt
          : { code: 0, stderr: "" };
      },
    });
    t.is(verdict.state, state);
    t.deepEqual(calls, [argv.remove, argv.add, argv.attempt, argv.remove]);
  }
  // No namespace (not root): unknown, and nothing tried in the host's namespace.
  const calls: string[][] = [];
  const verdict = probeNetem({
    ns,
    spawn: (a) => {
      calls.push(a);
      return a[2] === "add"
        ? { code: 1, stderr: "mount --make-shared /run/netns failed: Operation not permitted" }
        : { code: 1, stderr: "" };
    },
  });
  t.is(verdict.state, "unknown");
  t.regex(verdict.state === "unknown" ? verdict.why : "", /needs root/);
  t.false(calls.some((a) => a.includes("tc")));
  // tc missing: unknown, and the namespace still goes.
  const gone: string[][] = [];
  const noTc = probeNetem({
    ns,
    spawn: (a) => {
      gone.push(a);
      return a.includes("tc")
        ? { code: null, stderr: "", error: "spawnSync ip ENOENT" }
        : { code: 0, stderr: "" };
    },
  });
  t.is(noTc.state, "unknown");
  t.deepEqual(gone.at(-1), argv.remove);
});
