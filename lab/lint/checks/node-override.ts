// CiliumBGPNodeConfigOverride naming what does not exist. Cilium's operator looks an override up
// by the node's name and matches its instances and peers by name (operator/pkg/bgpv2/cluster.go,
// toNodeBGPInstance); anything that matches nothing is ignored without a word, so the router ID,
// ASN, port or source address the user meant to set is never used.
import { type NodeOverrideSpec, selectingClusterConfigs } from "../../cilium/node-bgp.ts";
import { manifestPosition } from "../../topology/positions.ts";
import type { LintContext } from "../context.ts";
import { type Finding, finding } from "../finding.ts";

interface InstanceSpec {
  name: string;
  peers?: { name: string }[];
}

export function nodeOverrideUnknown(ctx: LintContext): Finding[] {
  const out: Finding[] = [];
  const { lab } = ctx;
  for (const m of lab.cilium) {
    if (m.kind !== "CiliumBGPNodeConfigOverride") continue;
    const name = m.metadata.name;
    const node = lab.nodes.find((n) => n.name === name);
    if (!node) {
      out.push(
        finding("node-override-unknown", "error", manifestPosition(m, "metadata.name"), {
          message: `CiliumBGPNodeConfigOverride ${name} names no node of the topology (nodes: ${lab.nodes.map((n) => n.name).join(", ")})`,
          consequence:
            "Cilium applies an override to the node of the same name only: this one is ignored and no node gets its settings",
          fix: "name the override after the node it is for (metadata.name = the node's name)",
        }),
      );
      continue;
    }
    const owner = selectingClusterConfigs(lab.cilium, node.labels)[0];
    const instances = (owner?.spec.bgpInstances ?? []) as InstanceSpec[];
    ((m.spec as NodeOverrideSpec).bgpInstances ?? []).forEach((inst, i) => {
      const own = instances.find((x) => x.name === inst.name);
      if (!own) {
        out.push(
          finding("node-override-unknown", "error", manifestPosition(m, `spec.bgpInstances[${i}].name`), {
            message: `override ${name}: instance "${inst.name}" is not an instance of ${owner ? `CiliumBGPClusterConfig ${owner.metadata.name}, which selects node ${name} (instances: ${instances.map((x) => x.name).join(", ") || "none"})` : `any CiliumBGPClusterConfig selecting node ${name} (none does)`}`,
            consequence:
              "Cilium matches override instances by name: this one is ignored and the node keeps the ClusterConfig's router ID, ASN and port",
            fix: "use the instance name of the ClusterConfig that selects the node",
          }),
        );
        return;
      }
      (inst.peers ?? []).forEach((p, j) => {
        if ((own.peers ?? []).some((x) => x.name === p.name)) return;
        out.push(
          finding(
            "node-override-unknown",
            "error",
            manifestPosition(m, `spec.bgpInstances[${i}].peers[${j}].name`),
            {
              message: `override ${name}: instance ${inst.name} has no peer "${p.name}" (peers: ${(own.peers ?? []).map((x) => x.name).join(", ") || "none"})`,
              consequence:
                "Cilium matches override peers by name: this one is ignored and the session keeps the source address the route lookup picks",
              fix: "use the peer name of the ClusterConfig's instance",
            },
          ),
        );
      });
    });
  }
  return out;
}
