// The BGP sessions the topology implies, each typed by its ASNs rather than by what a diagram
// calls it (the seed labels node<->router "iBGP", but 64514 vs 64513 is eBGP).
import type { Lab, Router } from "../topology/model.ts";

export type SessionType = "eBGP" | "iBGP";

export interface BgpSession {
  /** The side that opens the connection (a Cilium node only dials out). */
  from: string;
  to: string;
  fromAsn: number;
  toAsn: number;
  type: SessionType;
  over: "zerotier" | "lan";
}

export function sessionType(a: number, b: number): SessionType {
  return a === b ? "iBGP" : "eBGP";
}

/**
 * Router<->router sessions over ZeroTier (every pair: the seed's routers peer across it; the
 * bird.conf files are not parsed here), then node->router sessions from the resolved Cilium CRDs.
 */
export function bgpSessions(lab: Lab): BgpSession[] {
  const routerPairs = lab.routers.flatMap((a, i) =>
    lab.routers.slice(i + 1).map((b) => session(a.name, a.asn, b, "zerotier")),
  );
  const nodeSessions = lab.nodes.flatMap((n) =>
    (n.bgp?.instances ?? []).flatMap((inst) =>
      inst.peers.flatMap((p) => {
        const router = lab.routers.find((r) => r.lanAddress === p.peerAddress);
        return router ? [session(n.name, inst.localASN, router, "lan")] : [];
      }),
    ),
  );
  return [...routerPairs, ...nodeSessions];
}

function session(from: string, fromAsn: number, to: Router, over: BgpSession["over"]): BgpSession {
  return { from, to: to.name, fromAsn, toAsn: to.asn, type: sessionType(fromAsn, to.asn), over };
}
