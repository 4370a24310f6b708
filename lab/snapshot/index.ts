// `lab snapshot`: the routing state of a running lab, read only through the lab handle's
// primitives (so every runtime gives the same schema), then normalised.

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

export async function readRouter(h: LabHandle, router: string): Promise<RouterState> {
  try {
    const [sessions, routes, fib] = await Promise.all([
      readRouterSessions(h, router),
      readTableRoutes(h, router),
      readFib(h, router),
    ]);
    const exports: Record<string, RouterState["exports"][string]> = {};
    for (const s of sessions) exports[s.protocol] = await readExports(h, router, s.protocol);
    return { router, sessions, routes, exports, fib };
  } catch (err) {
    return { router, error: firstLine(err), sessions: [], routes: [], exports: {}, fib: [] };
  }
}

export async function takeSnapshot(h: LabHandle): Promise<Snapshot> {
  const { lab } = h;
  const [routers, reachability, cidrs] = await Promise.all([
    Promise.all(lab.routers.map((r) => readRouter(h, r.name))),
    readReachability(h),
    h.podCidrs(),
  ]);
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
