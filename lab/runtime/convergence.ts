// What "converged" means, independent of the runtime: the seed's own verification steps as
// expectations derived from the model, and the ordered wait over a runtime's checks with a
// diagnosis of everything still wrong when the budget runs out.
import { originatedPrefixes } from "../cilium/node-bgp.ts";
import type { K8sNode, Lab } from "../topology/model.ts";
import { TimeoutError } from "../util/errors.ts";
import type { ProgressSink } from "../util/progress.ts";
import { waitFor } from "../util/wait.ts";
import type { CheckResult } from "./runtime.ts";

export interface ExpectedRoute {
  router: string;
  prefix: string;
  via: string;
  node: string;
}

/**
 * A node's pod CIDR is reached directly from its own site's router and via the owning site's
 * router's ZeroTier address elsewhere. `prefixesOf` says which prefixes a node has (the
 * topology's in netns, the cluster's allocation in clab).
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

/** The prefixes each node advertises, from its resolved CRDs. */
export function expectedRoutes(lab: Lab): ExpectedRoute[] {
  return expectedRoutesWith(lab, (n) => originatedPrefixes(n.bgp));
}

/** Neighbors the lab knows: the routers' ZeroTier addresses and the nodes. Others are not waited for. */
export function knownNeighbors(lab: Lab): Set<string> {
  return new Set([...lab.routers.map((r) => r.zerotierAddress), ...lab.nodes.map((n) => n.address)]);
}

/** Pod pairs across sites: the control-plane node's first pod to the first pod of every node at another site. */
export function crossSitePodPairs(lab: Lab): { from: string; to: string; toAddress: string }[] {
  const cp = lab.nodes.find((n) => n.role === "control-plane");
  const src = cp?.pods[0];
  if (!cp || !src) return [];
  return lab.nodes.flatMap((n) => {
    const dst = n.pods[0];
    return n.site !== cp.site && dst ? [{ from: src.name, to: dst.name, toAddress: dst.address }] : [];
  });
}

export interface FibRoute {
  dst: string;
  gateway?: string;
  dev?: string;
  protocol?: string;
}

/** `ip -j -4 route show` as routes; "default" becomes 0.0.0.0/0, host routes get /32. */
export function parseIpRouteJson(text: string): FibRoute[] {
  const raw = JSON.parse(text.trim() || "[]") as {
    dst: string;
    gateway?: string;
    dev?: string;
    protocol?: string;
  }[];
  return raw.map((x) => ({
    dst: x.dst === "default" ? "0.0.0.0/0" : x.dst.includes("/") ? x.dst : `${x.dst}/32`,
    ...(x.gateway ? { gateway: x.gateway } : {}),
    ...(x.dev ? { dev: x.dev } : {}),
    ...(x.protocol ? { protocol: x.protocol } : {}),
  }));
}

/** One named convergence check of a runtime, bound to its lab. */
export interface ConvergenceCheck {
  name: string;
  run(): Promise<CheckResult>;
}

/** Every check, each run regardless of the others (for diagnosis and status). */
export async function checkAll(checks: readonly ConvergenceCheck[]): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  for (const c of checks) out.push(await c.run());
  return out;
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
