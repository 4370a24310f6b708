// The pod path crosses the pod veth, the site LAN, ZeroTier and the far LAN. With native routing
// there is no overlay overhead, so every hop must carry a full pod-sized packet.
import type { SourceRef } from "../../topology/model.ts";
import { LAN_MTU, POD_MTU } from "../../topology/mtu.ts";
import { topologyPosition } from "../../topology/positions.ts";
import type { LintContext } from "../context.ts";
import { type Finding, finding } from "../finding.ts";

export function mtuBelowPodMtu(ctx: LintContext): Finding[] {
  const hops: { name: string; mtu: number; at: SourceRef }[] = [
    { name: "the site LANs", mtu: LAN_MTU, at: topologyPosition(ctx.lab, "sites") },
    { name: "ZeroTier", mtu: ctx.lab.zerotier.mtu, at: topologyPosition(ctx.lab, "zerotier.mtu") },
  ];
  return hops
    .filter((h) => h.mtu < POD_MTU)
    .map((h) =>
      finding("mtu-below-pod-mtu", "warn", h.at, {
        message: `the MTU of ${h.name} (${h.mtu}) is below the pod MTU ${POD_MTU}`,
        consequence: `pod packets above ${h.mtu} bytes are fragmented or, with DF set (most TCP), dropped with ICMP frag-needed; if that ICMP is filtered, connections stall after the handshake`,
        fix: `raise the MTU of ${h.name} to at least ${POD_MTU}, or lower Cilium's pod MTU (Helm \`mtu: ${h.mtu}\`)`,
      }),
    );
}
