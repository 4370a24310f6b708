// Nodes that share one ASN see each other's routes as AS-path loops. That is harmless with
// Cilium, which imports nothing, but it decides how cross-node traffic flows: worth saying.
import type { K8sNode, SourceRef } from "../../topology/model.ts";
import { manifestPosition } from "../../topology/positions.ts";
import type { LintContext } from "../context.ts";
import { type Finding, finding } from "../finding.ts";
import { type CiliumPeer, ciliumPeers, nodeList } from "../sessions.ts";

function localAsnAt(cp: CiliumPeer): SourceRef {
  const instancePath = cp.path.replace(/\.peers\[\d+\]$/, "");
  return cp.owner ? manifestPosition(cp.owner, `${instancePath}.localASN`) : cp.node.source;
}

export function nodesShareAsn(ctx: LintContext): Finding[] {
  const byAsn = new Map<number, { nodes: K8sNode[]; places: SourceRef[] }>();
  for (const cp of ciliumPeers(ctx)) {
    const g = byAsn.get(cp.instance.localASN) ?? { nodes: [], places: [] };
    if (!g.nodes.includes(cp.node)) g.nodes.push(cp.node);
    g.places.push(localAsnAt(cp));
    byAsn.set(cp.instance.localASN, g);
  }
  const out: Finding[] = [];
  for (const [asn, { nodes, places }] of byAsn) {
    if (nodes.length < 2) continue;
    // Point at the first place the shared ASN is written.
    const at = [...places].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line)[0] as SourceRef;
    out.push(
      finding("nodes-share-asn", "info", at, {
        message: `${nodeList(nodes)} all speak AS ${asn}`,
        consequence: `a node's pod CIDR reaches the other nodes with AS ${asn} in its path, an AS-path loop they drop; harmless because Cilium imports nothing, so cross-node pod traffic follows each node's default route to its router`,
        fix: "nothing to fix with Cilium; a speaker that imports routes would need `allowas-in` or one ASN per node",
      }),
    );
  }
  return out;
}
