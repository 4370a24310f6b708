// Whether the kernel has the netem qdisc (sch_netem), which every delay, jitter, loss and
// duplication impairment of the clab runtime needs (`containerlab tools netem` and tc netem both
// create one; containers share the host's kernel). /proc/modules and modprobe cannot answer it
// everywhere (a kernel without modules has neither), so the probe does what an impairment does:
// it adds a netem qdisc to `lo` of a throwaway network namespace, which also loads the module
// on demand, and deletes the namespace. Nothing in the host's namespace is touched.
import { spawnSync } from "node:child_process";

export type NetemSupport =
  | { state: "present"; detail: string }
  | { state: "absent"; why: string; fix: string }
  /** Could not tell (not root, no ip or tc): callers do not refuse on it. */
  | { state: "unknown"; why: string };

/** How to get sch_netem, for messages and doctor. */
export const NETEM_FIX =
  "load it: modprobe sch_netem; where the module is missing, install the kernel's extra modules (Ubuntu: apt-get install linux-modules-extra-$(uname -r)) or run a kernel built with CONFIG_NET_SCH_NETEM";

/** The throwaway namespace of one probing process. */
export function netemProbeNamespace(pid: number = process.pid): string {
  return `labnetem${pid}`;
}

/** The three commands of a probe: create the namespace, try the qdisc in it, delete it. */
export function netemProbeArgv(ns: string): { add: string[]; attempt: string[]; remove: string[] } {
  return {
    add: ["ip", "netns", "add", ns],
    attempt: ["ip", "netns", "exec", ns, "tc", "qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms"],
    remove: ["ip", "netns", "delete", ns],
  };
}

/** tc's answer to adding a netem qdisc -> the verdict. "Specified qdisc kind is unknown." is
 * iproute2's words for a kernel without it (measured here); older ones say "qdisc not found". */
export function netemVerdict(attempt: { code: number | null; stderr: string }): NetemSupport {
  if (attempt.code === 0) return { state: "present", detail: "a netem qdisc can be created (sch_netem)" };
  const said = attempt.stderr.trim().split("\n")[0]?.trim() || `exit ${attempt.code}`;
  if (/qdisc kind is unknown|qdisc not found|unknown qdisc/i.test(attempt.stderr))
    return {
      state: "absent",
      why: `this kernel has no netem qdisc (sch_netem): tc says "${said}"`,
      fix: NETEM_FIX,
    };
  return { state: "unknown", why: `trying a netem qdisc failed: ${said}` };
}

type Spawn = (argv: string[]) => { code: number | null; stderr: string; error?: string };

const spawnArgv: Spawn = (argv) => {
  const [cmd, ...args] = argv as [string, ...string[]];
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 10_000 });
  return {
    code: r.status,
    stderr: r.stderr ?? "",
    ...(r.error ? { error: r.error.message } : {}),
  };
};

/**
 * The probe itself, synchronous (a few milliseconds; a runtime asks it once): needs root to
 * create the namespace, else the answer is "unknown".
 */
export function probeNetem(opts: { ns?: string; spawn?: Spawn } = {}): NetemSupport {
  const spawn = opts.spawn ?? spawnArgv;
  const argv = netemProbeArgv(opts.ns ?? netemProbeNamespace());
  spawn(argv.remove); // a leftover of an earlier probe by a process with the same pid
  const added = spawn(argv.add);
  if (added.code !== 0)
    return {
      state: "unknown",
      why: `cannot create a throwaway namespace to try netem (${added.error ?? (added.stderr.trim() || `exit ${added.code}`)}); it needs root`,
    };
  try {
    const r = spawn(argv.attempt);
    return r.error ? { state: "unknown", why: `tc: ${r.error}` } : netemVerdict(r);
  } finally {
    spawn(argv.remove);
  }
}
