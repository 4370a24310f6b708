// `lab snapshot`: the routing state of a running lab, read only through the lab handle's
// primitives (so every runtime gives the same schema), then normalised.

import { setTimeout as sleep } from "node:timers/promises";
import { READ_PARALLEL } from "../observe/status.ts";
import type { LabHandle } from "../runtime/kind.ts";
import { mapLimit } from "../util/concurrency.ts";
import { readFib } from "./fib.ts";
import { type NodeState, type RouterState, SNAPSHOT_VERSION, type Snapshot } from "./model.ts";
import { normaliseSnapshot } from "./normalise.ts";
import { readReachability } from "./reachability.ts";
import { readExports, readTableRoutes } from "./routes.ts";
import { readRouterSessions } from "./sessions.ts";
import { nodeRoutes, readSpeakerSessions } from "./speakers.ts";

export type { Snapshot } from "./model.ts";
export { normaliseSnapshot } from "./normalise.ts";

const firstLine = (err: unknown) => ((err as Error).message ?? String(err)).split("\n")[0] ?? "";

/** How long a router's reads are retried: on a loaded 2-core machine BIRD's control socket has
 * been seen not to greet within its 2 s for a while, which is not the routing state. */
export const ROUTER_READ_BUDGET_MS = 15_000;
const RETRY_MS = 500;

async function readRouterOnce(h: LabHandle, router: string): Promise<RouterState> {
  const [sessions, routes, fib] = await Promise.all([
    readRouterSessions(h, router),
    readTableRoutes(h, router),
    readFib(h, router),
  ]);
  const exports: Record<string, RouterState["exports"][string]> = {};
  for (const s of sessions) exports[s.protocol] = await readExports(h, router, s.protocol);
  return { router, sessions, routes, exports, fib };
}

/** A router's state; after ROUTER_READ_BUDGET_MS of failed reads, the last error instead. */
export async function readRouter(
  h: LabHandle,
  router: string,
  budgetMs = ROUTER_READ_BUDGET_MS,
): Promise<RouterState> {
  const start = performance.now();
  for (;;) {
    try {
      return await readRouterOnce(h, router);
    } catch (err) {
      if (performance.now() - start + RETRY_MS >= budgetMs)
        return { router, error: firstLine(err), sessions: [], routes: [], exports: {}, fib: [] };
      await sleep(RETRY_MS);
    }
  }
}

export async function takeSnapshot(h: LabHandle): Promise<Snapshot> {
  const { lab } = h;
  // The routers first, then the probes: a dozen pings and connects at once on two cores kept
  // BIRD's control socket from answering in time.
  const [routers, cidrs] = await Promise.all([
    Promise.all(lab.routers.map((r) => readRouter(h, r.name))),
    h.podCidrs(),
  ]);
  const reachability = await readReachability(h);
  // Every node, a speaker or not: the guards ask where each pod CIDR went.
  const nodes = await mapLimit(lab.nodes, READ_PARALLEL, async (n): Promise<NodeState> => {
    const known = { node: n.name, podCidrs: cidrs.get(n.name) ?? [], ...nodeRoutes(n, routers) };
    if (n.bgp === null) return { ...known, sessions: [] };
    try {
      return { ...known, sessions: await readSpeakerSessions(h, n.name) };
    } catch (err) {
      return { ...known, error: firstLine(err), sessions: [] };
    }
  });
  return normaliseSnapshot({ version: SNAPSHOT_VERSION, routers, nodes, reachability });
}
