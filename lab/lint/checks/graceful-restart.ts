// Graceful restart between the routers and the nodes: without it, every Cilium agent restart
// (upgrade, crash, config change) withdraws the node's pod CIDR until the session is back.
import type { LintContext } from "../context.ts";
import { type Finding, finding } from "../finding.ts";
import {
  birdSessions,
  ciliumPeers,
  groupByPeerConfig,
  nodeList,
  peerConfigField,
  protocolsTo,
} from "../sessions.ts";

export function gracefulRestartOff(ctx: LintContext): Finding[] {
  const off = ciliumPeers(ctx).filter((cp) => !cp.peer.gracefulRestart.enabled);
  return groupByPeerConfig(off).map(({ first, nodes }) => {
    const pc = first.peer.peerConfig;
    return finding(
      "graceful-restart-off",
      "warn",
      peerConfigField(ctx, first, "spec.gracefulRestart.enabled"),
      {
        message: pc
          ? `PeerConfig ${pc} leaves graceful restart off (used by ${nodeList(nodes)})`
          : `peer ${first.peer.name} has no PeerConfig, so graceful restart is off (${nodeList(nodes)})`,
        consequence:
          "a Cilium agent restart (upgrade, crash, config change) closes the session and the router withdraws the node's pod CIDR at once: its pods are cut off until the session is back",
        fix: "set `gracefulRestart: {enabled: true}` in the PeerConfig (BIRD's default `graceful restart aware` then keeps the routes as stale during the restart)",
      },
    );
  });
}

export function birdGracefulRestartOff(ctx: LintContext): Finding[] {
  const sessions = birdSessions(ctx);
  const out: Finding[] = [];
  for (const cp of ciliumPeers(ctx)) {
    if (!cp.router || !cp.peer.gracefulRestart.enabled) continue;
    for (const s of protocolsTo(sessions, cp.router, cp.node.address)) {
      const gr = s.bgp.gracefulRestart;
      if (gr?.value !== "off") continue;
      out.push(
        finding("bird-graceful-restart-off", "warn", gr.at, {
          message: `${s.router.name}'s protocol ${s.protocol.name} turns graceful restart off, but node ${cp.node.name} enables it`,
          consequence:
            "the capability is not negotiated: an agent restart still withdraws the node's pod CIDR at once",
          fix: "remove `graceful restart off;` (the default `aware` is enough) or write `graceful restart on;`",
        }),
      );
    }
  }
  return out;
}
