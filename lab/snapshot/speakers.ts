// Each node's speaker as snapshot data: its sessions (lab/runtime/kind.ts speakers(), the same on
// every runtime) and the prefixes that cross its session to its site router, read on the router
// side (BIRD): what the router accepted from it is what it advertises, what the router exports
// to it is what it receives. Reading both on BIRD keeps the schema identical whether the speaker
// is gobgpd or a Cilium agent.
import type { LabHandle } from "../runtime/kind.ts";
import type { K8sNode } from "../topology/model.ts";
import type { NodeState, RouterState, SpeakerSessionState } from "./model.ts";

export async function readSpeakerSessions(h: LabHandle, node: string): Promise<SpeakerSessionState[]> {
  return (await h.speakers(node)).flatMap((s) =>
    s.sessions.map((x) => ({
      peer: x.address,
      instance: s.instance,
      peerAs: x.peerAs,
      localAs: x.localAs || s.localAs,
      state: x.state,
      received: x.received,
      accepted: x.accepted,
      advertised: x.advertised,
    })),
  );
}

/** The node's prefixes as its site routers see them, from their snapshot state. */
export function nodeRoutes(
  node: K8sNode,
  routers: readonly RouterState[],
): Pick<NodeState, "advertises" | "receives"> {
  const advertises = new Set<string>();
  const receives = new Set<string>();
  for (const r of routers) {
    for (const s of r.sessions.filter((x) => x.peer === node.address)) {
      for (const route of r.routes) if (route.protocol === s.protocol) advertises.add(route.prefix);
      for (const e of r.exports[s.protocol] ?? []) receives.add(e.prefix);
    }
  }
  return { advertises: [...advertises], receives: [...receives] };
}
