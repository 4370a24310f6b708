// The datapath of the topology's Services on the netns runtime, honest enough for reachability:
// every Service address (LoadBalancer and external IPs) is added as a /32 to each backend pod's
// eth0, so the backend answers on it, and each node with a backend of its own routes the /32 to
// its first local backend pod (Cilium load-balances over every backend; the lab picks one).
// Cilium DNATs to the backend's pod IP instead; either way the client sees replies from the
// Service address.
// A node that advertises a Service address without a local backend (externalTrafficPolicy
// Cluster) would, in Cilium, forward to a backend on another node with SNAT (bpf lbMode snat).
// The lab does not emulate that translation: such a node is refused by name before `up`
// creates anything, rather than advertising a route that goes nowhere.

import { originatedServicePrefixes } from "../../cilium/node-bgp.ts";
import { hasLocalBackend } from "../../cilium/service-routes.ts";
import type { Diagnostic } from "../../config/diagnostics.ts";
import type { K8sNode, Lab, LbService } from "../../topology/model.ts";

/** A Service's addresses as /32 prefixes. */
export function serviceAddresses(svc: LbService): string[] {
  return [...svc.loadBalancerIPs, ...svc.externalIPs];
}

/** Pod name -> the Service addresses it carries. */
export function podServiceAddresses(lab: Lab): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const svc of lab.services)
    for (const b of svc.backends) out.set(b.pod, [...(out.get(b.pod) ?? []), ...serviceAddresses(svc)]);
  return out;
}

/** The node's routes to its local backends: [address, pod name]. */
export function nodeServiceRoutes(lab: Lab, node: K8sNode): { address: string; pod: string }[] {
  return lab.services.flatMap((svc) => {
    const local = svc.backends.find((b) => b.node === node.name);
    return local ? serviceAddresses(svc).map((address) => ({ address, pod: local.pod })) : [];
  });
}

/** Nodes advertising a Service address they cannot deliver (Cluster policy, no local backend);
 * `only`: just that node's (a node joining a running lab). */
export function serviceRefusals(lab: Lab, only?: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const node of lab.nodes.filter((n) => only === undefined || n.name === only)) {
    const advertised = new Set(originatedServicePrefixes(node.bgp));
    for (const [i, svc] of lab.services.entries()) {
      const mine = serviceAddresses(svc).filter((a) => advertised.has(`${a}/32`));
      if (mine.length === 0 || hasLocalBackend(svc, node.name)) continue;
      out.push({
        where: svc.source,
        path: `services[${i}]`,
        message: `Service ${svc.namespace}/${svc.name} (externalTrafficPolicy ${svc.externalTrafficPolicy}): node ${node.name} advertises ${mine.map((a) => `${a}/32`).join(", ")} but has no backend; Cilium would forward to a backend on another node with SNAT, which the netns runtime does not emulate`,
        hint: `set externalTrafficPolicy: Local (only nodes with a backend advertise), give ${node.name} a backend pod, or use --runtime clab`,
      });
    }
  }
  return out;
}
