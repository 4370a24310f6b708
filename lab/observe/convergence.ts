// What "converged" means, on every runtime: the seed's own verification steps, read through a
// lab handle's primitives:
//   1. BGP sessions Established: every router's BGP protocols to known neighbors (BIRD), and
//      every node speaker's sessions;
//   2. pod CIDRs in router FIBs: each node's pod CIDR (as the lab allocated it) in every
//      router's FIB, directly via the node on its own site, via the owning router's ZeroTier
//      address elsewhere;
//   3. cross-site pod ping: the control-plane node's first pod pings the first pod of every node
//      at another site;
//   4. control plane reaches remote kubelets.
// Also the ordered wait over the checks, with a diagnosis of everything still wrong at the end.
import { parseProtocols, showProtocolsCommand } from "../bird/protocols.ts";
import { originatedPrefixes } from "../cilium/node-bgp.ts";
import type { CheckResult, FibRoute, LabHandle } from "../runtime/kind.ts";
import type { K8sNode, Lab } from "../topology/model.ts";
import { mapLimit } from "../util/concurrency.ts";
import { TimeoutError } from "../util/errors.ts";
import type { ProgressSink } from "../util/progress.ts";
import { waitFor } from "../util/wait.ts";
import { ping } from "./probes.ts";
import { READ_PARALLEL } from "./status.ts";
import { md5Cause, readMd5Drops } from "./tcp-md5.ts";

export interface ExpectedRoute {
  router: string;
  prefix: string;
  via: string;
  node: string;
}

/**
 * A node's pod CIDR is reached directly from its own site's router and via the owning site's
 * router's ZeroTier address elsewhere. `prefixesOf` says which prefixes a node has.
 */
export function expectedRoutesWith(lab: Lab, prefixesOf: (node: K8sNode) => string[]): ExpectedRoute[] {
  const out: ExpectedRoute[] = [];
  for (const router of lab.routers) {
    for (const node of lab.nodes) {
      const owner = lab.routers.find((r) => r.site === node.site);
      if (!owner) continue;
      for (const prefix of prefixesOf(node)) {
        out.push({
          router: router.name,
          prefix,
          node: node.name,
          via: owner.name === router.name ? node.address : owner.zerotierAddress,
        });
      }
    }
  }
  return out;
}

/** The prefixes each node advertises, from its resolved CRDs, as the topology allocates them. */
export function expectedRoutes(lab: Lab): ExpectedRoute[] {
  return expectedRoutesWith(lab, (n) => originatedPrefixes(n.bgp));
}

/** A node that advertises its pod CIDR (a PodCIDR advertisement selects it) is expected with
 * each CIDR the lab really gave it. */
export function expectedRoutesAllocated(lab: Lab, podCidrs: ReadonlyMap<string, string[]>): ExpectedRoute[] {
  return expectedRoutesWith(lab, (node) =>
    originatedPrefixes(node.bgp).length ? (podCidrs.get(node.name) ?? []) : [],
  );
}

/** Neighbors the lab knows: the routers' ZeroTier addresses and the nodes. Others are not waited for. */
export function knownNeighbors(lab: Lab): Set<string> {
  return new Set([...lab.routers.map((r) => r.zerotierAddress), ...lab.nodes.map((n) => n.address)]);
}

/** Pod pairs across sites: the control-plane node's first pod to the first pod of every node at another site. */
export function crossSitePodPairs(lab: Lab): { from: string; to: string }[] {
  const cp = lab.nodes.find((n) => n.role === "control-plane");
  const src = cp?.pods[0];
  if (!cp || !src) return [];
  return lab.nodes.flatMap((n) => {
    const dst = n.pods[0];
    return n.site !== cp.site && dst ? [{ from: src.name, to: dst.name }] : [];
  });
}

/** Pings in flight at once: mostly waiting for replies, so more than the reads. */
const PING_PARALLEL = 8;

const result = (name: string, problems: string[]): CheckResult => ({
  name,
  ok: problems.length === 0,
  problems,
});

export async function checkSessions(h: LabHandle): Promise<CheckResult> {
  const { lab } = h;
  const problems: string[] = [];
  const known = knownNeighbors(lab);
  const routers = await Promise.all(
    lab.routers.map(async (r) => ({
      router: r.name,
      text: await h.bird(r.name, showProtocolsCommand(undefined, true)).catch((err: Error) => err),
    })),
  );
  for (const { router, text } of routers) {
    if (text instanceof Error) {
      problems.push(`${router}: BIRD does not answer (${text.message})`);
      continue;
    }
    const down = parseProtocols(text).filter(
      (p) =>
        p.proto === "BGP" &&
        p.info !== "Established" &&
        !(p.neighborAddress && !known.has(p.neighborAddress)),
    );
    // A node session down may be a TCP MD5 mismatch, which only the kernel's counters show.
    const drops = down.some((p) => lab.nodes.some((n) => n.address === p.neighborAddress))
      ? await readMd5Drops(h, router).catch(() => null)
      : null;
    for (const p of down) {
      const err = p.lastError ? `, last error: ${p.lastError}` : "";
      const detail = p.infoDetail ? ` (${p.infoDetail})` : "";
      const node = lab.nodes.find((n) => n.address === p.neighborAddress);
      const cause = drops && node ? md5Cause(router, drops, node) : null;
      problems.push(
        `${router}: protocol ${p.name} to ${p.neighborAddress ?? "?"} is ${p.state}/${p.info || "?"}${detail}${err}${cause ? `; ${cause}` : ""}`,
      );
    }
  }
  const speaking = lab.nodes.filter((n) => n.bgp?.instances.some((i) => i.peers.length > 0));
  // Bounded: every speaker read is a process on the netns runtime, and this runs every round.
  const nodes = await mapLimit(speaking, READ_PARALLEL, async (n) => ({
    node: n.name,
    speakers: await h.speakers(n.name).catch((err: Error) => err),
  }));
  for (const { node, speakers } of nodes) {
    if (speakers instanceof Error) {
      problems.push(`${node}: ${h.speakerName} does not answer (${speakers.message})`);
      continue;
    }
    if (speakers.every((s) => !s.error && s.sessions.length === 0))
      problems.push(`${node}: ${h.speakerName} reports no BGP peer`);
    for (const s of speakers) {
      if (s.error) {
        problems.push(`${node}: ${h.speakerName} does not answer (${s.error})`);
        continue;
      }
      for (const nb of s.sessions)
        if (nb.state !== "established")
          problems.push(`${node}: session to ${nb.address} (AS ${nb.peerAs}) is ${nb.state}`);
    }
  }
  return result("BGP sessions Established", problems);
}

export async function checkRoutes(h: LabHandle): Promise<CheckResult> {
  const { lab } = h;
  const problems: string[] = [];
  const expected = expectedRoutesAllocated(lab, await h.podCidrs());
  if (expected.length === 0 && lab.routers.length && lab.nodes.some((n) => originatedPrefixes(n.bgp).length))
    problems.push("no node has been allocated a pod CIDR yet");
  const fibs = new Map<string, FibRoute[]>();
  await Promise.all(
    lab.routers.map(async (r) => {
      try {
        fibs.set(r.name, await h.fib(r.name));
      } catch (err) {
        problems.push(`${r.name}: ${(err as Error).message.split("\n")[0]}`);
      }
    }),
  );
  for (const e of expected) {
    const fib = fibs.get(e.router);
    if (!fib) continue;
    const got = fib.find((x) => x.dst === e.prefix);
    if (!got)
      problems.push(`${e.router}: ${e.prefix} (${e.node}) missing from the FIB, expected via ${e.via}`);
    else if (got.gateway !== e.via)
      problems.push(`${e.router}: ${e.prefix} via ${got.gateway ?? got.dev}, expected via ${e.via}`);
  }
  return result("pod CIDRs in router FIBs", problems);
}

export async function checkPodPing(h: LabHandle): Promise<CheckResult> {
  // One ping is ~0.5 s of waiting: one after another, a site of 50 nodes took 25 s a round.
  const found = await mapLimit(crossSitePodPairs(h.lab), PING_PARALLEL, async (p) => {
    let address = p.to;
    try {
      address = await h.addressOf(p.to);
      const r = await ping(await h.enter(p.from), address, { count: 3, intervalS: 0.2 });
      return r.received === r.sent
        ? []
        : [`pod ${p.from} -> ${p.to} (${address}): ${r.received}/${r.sent} replies`];
    } catch (err) {
      return [`pod ${p.from} -> ${p.to}: ${(err as Error).message.split("\n")[0]}`];
    }
  });
  return result("cross-site pod ping", found.flat());
}

export async function checkKubelets(h: LabHandle): Promise<CheckResult> {
  const cp = h.lab.nodes.find((n) => n.role === "control-plane");
  const remote = cp ? h.lab.nodes.filter((x) => x.site !== cp.site) : [];
  const found = await mapLimit(remote, READ_PARALLEL, (n) => h.kubeletReachable(n.name));
  return result(
    "control plane reaches remote kubelets",
    found.filter((r): r is string => r !== true),
  );
}

/** One named convergence check, bound to its lab. */
export interface ConvergenceCheck {
  name: string;
  run(): Promise<CheckResult>;
}

const CHECKS = [
  { name: "sessions", title: "BGP sessions Established", run: checkSessions },
  { name: "routes", title: "pod CIDRs in router FIBs", run: checkRoutes },
  { name: "ping", title: "cross-site pod ping", run: checkPodPing },
  { name: "kubelet", title: "control plane reaches remote kubelets", run: checkKubelets },
] as const;

/**
 * The checks in the order they become true, bound to a lab; each is cheap enough to poll. A
 * check that throws (an API server not answering yet, ...) counts as failed with that message.
 */
export function convergenceChecks(h: LabHandle): ConvergenceCheck[] {
  return CHECKS.map((c) => ({
    name: c.name,
    run: async () => {
      try {
        return await c.run(h);
      } catch (err) {
        return result(c.title, [(err as Error).message.split("\n").slice(0, 3).join(" ")]);
      }
    },
  }));
}

/** Every check, each run regardless of the others (for diagnosis and status). */
export async function checkAll(checks: readonly ConvergenceCheck[]): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  for (const c of checks) out.push(await c.run());
  return out;
}

/** Every convergence check of a running lab, without waiting. */
export function readConvergence(h: LabHandle): Promise<CheckResult[]> {
  return checkAll(convergenceChecks(h));
}

function describe(results: CheckResult[]): string {
  return results
    .filter((c) => !c.ok)
    .map((c) => `${c.name}:\n  ${c.problems.join("\n  ")}`)
    .join("\n");
}

export interface WaitConvergedOptions {
  /** Start of `up`, for the time each check first passed. */
  t0: number;
  budgetMs: number;
  intervalMs: number;
  signal?: AbortSignal;
  progress: ProgressSink;
}

/**
 * Polls the checks in order until all pass; returns when each first passed (ms from t0). The
 * checks are ordered so later ones cannot pass before earlier ones: a round stops at the first
 * failure. When the budget runs out, the error lists what every check still finds wrong.
 */
export async function waitConverged(
  checks: readonly ConvergenceCheck[],
  opts: WaitConvergedOptions,
): Promise<Record<string, number>> {
  const passed: Record<string, number> = {};
  try {
    await waitFor(
      async () => {
        for (const c of checks) {
          const r = await c.run();
          if (!r.ok) return describe([r]);
          if (passed[c.name] === undefined) {
            passed[c.name] = performance.now() - opts.t0;
            opts.progress({ kind: "info", message: `${r.name}: ok` });
          }
        }
        return true;
      },
      {
        what: "lab converged",
        budgetMs: opts.budgetMs,
        intervalMs: opts.intervalMs,
        ...(opts.signal ? { signal: opts.signal } : {}),
      },
    );
  } catch (err) {
    if (err instanceof TimeoutError)
      throw new TimeoutError(
        "lab converged",
        opts.budgetMs,
        describe(await checkAll(checks)) || err.diagnosis,
      );
    throw err;
  }
  return passed;
}
