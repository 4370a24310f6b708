// CiliumBGPNodeConfigOverride values the netns runtime cannot apply honestly. A lab node has
// one address (on its site's LAN): a session bound to any other source address could not be
// opened from its namespace, so such a localAddress is refused rather than run half-true.
import type { Diagnostic } from "../config/diagnostics.ts";
import type { Lab } from "../topology/model.ts";
import { manifestPosition } from "../topology/positions.ts";
import type { NodeOverrideSpec } from "./node-bgp.ts";

export function overrideRefusals(lab: Lab): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const m of lab.cilium) {
    if (m.kind !== "CiliumBGPNodeConfigOverride") continue;
    const node = lab.nodes.find((n) => n.name === m.metadata.name);
    if (!node) continue; // lint reports an override of a node the topology does not have
    ((m.spec as NodeOverrideSpec).bgpInstances ?? []).forEach((inst, i) => {
      (inst.peers ?? []).forEach((p, j) => {
        const address = p.localAddress?.trim();
        if (address === undefined || address === node.address) return;
        const path = `spec.bgpInstances[${i}].peers[${j}].localAddress`;
        out.push({
          where: manifestPosition(m, path),
          path,
          message: `${m.kind}/${m.metadata.name}: ${path} "${address}" is not an address of node ${node.name}, whose only address in the lab is ${node.address}: the netns runtime cannot open the session from it`,
          hint: `use ${node.address} or remove localAddress (the route toward the peer then picks it), or use --runtime clab`,
        });
      });
    });
  }
  return out;
}
