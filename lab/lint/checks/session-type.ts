// Names each router <-> node session eBGP or iBGP from the ASNs both ends really use, because the
// seed's diagram calls Router-Mine <-> sakamoto iBGP while 64513 vs 64514 is eBGP, and the two
// behave differently on the wire.
import type { LintContext } from "../context.ts";
import { type Finding, finding } from "../finding.ts";
import { birdSessions, ciliumPeers } from "../sessions.ts";

export function sessionType(ctx: LintContext): Finding[] {
  const peers = ciliumPeers(ctx);
  const out: Finding[] = [];
  for (const s of birdSessions(ctx)) {
    if (s.far.kind !== "node" || !s.bgp.neighborAddress) continue;
    const node = s.far.node;
    const cp = peers.find((p) => p.node === node && p.router === s.router);
    const routerAs = s.bgp.localAs?.value;
    if (!cp || routerAs == null) continue;
    const nodeAs = cp.instance.localASN;
    const pair = `${s.router.name} <-> ${node.name}`;
    if (routerAs !== nodeAs) {
      out.push(
        finding("session-type", "info", s.bgp.neighborAddress.at, {
          message: `${pair} is eBGP (AS ${routerAs} vs AS ${nodeAs})`,
          consequence: `towards the node the router rewrites the next hop to itself and prepends AS ${routerAs}; LOCAL_PREF is not carried; the node's pod CIDR arrives with AS path [${nodeAs}]`,
          fix: `nothing to fix if eBGP is meant, but name it eBGP in the design (the seed's diagram calls Router-Mine <-> sakamoto iBGP); real iBGP would need localASN ${routerAs} on the node`,
        }),
      );
    } else {
      out.push(
        finding("session-type", "info", s.bgp.neighborAddress.at, {
          message: `${pair} is iBGP (both AS ${routerAs})`,
          consequence:
            "next hop and AS path pass unchanged and LOCAL_PREF is carried; the router does not pass routes between its iBGP peers (no route reflector), and a BIRD iBGP channel without an explicit export exports nothing",
          fix: "nothing to fix if iBGP is meant: write `export` explicitly and use `rr client;` if nodes must learn each other's routes",
        }),
      );
    }
  }
  return out;
}
