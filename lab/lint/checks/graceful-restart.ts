// Graceful restart between the routers and the nodes: without it, every Cilium agent restart
// (upgrade, crash, config change) withdraws the node's pod CIDR until the session is back.
import type { K8sNode } from "../../topology/model.ts";
import type { LintContext } from "../context.ts";
import { type Finding, finding } from "../finding.ts";
import { birdSessions, type CiliumPeer, ciliumPeers, nodeList, protocolsTo } from "../sessions.ts";

export function gracefulRestartOff(ctx: LintContext): Finding[] {
  // One finding per PeerConfig (or per ClusterConfig peer without one), listing the nodes using it.
  const groups = new Map<string, { first: CiliumPeer; nodes: K8sNode[] }>();
  for (const cp of ciliumPeers(ctx)) {
    if (cp.peer.gracefulRestart.enabled) continue;
    const key = cp.peer.peerConfig ?? `${cp.owner?.metadata.name}|${cp.path}`;
    const g = groups.get(key) ?? { first: cp, nodes: [] };
    if (!g.nodes.includes(cp.node)) g.nodes.push(cp.node);
    groups.set(key, g);
  }
  return [...groups.values()].map(({ first, nodes }) => {
    const pc = first.peer.peerConfig;
    const manifest = pc
      ? ctx.lab.cilium.find((m) => m.kind === "CiliumBGPPeerConfig" && m.metadata.name === pc)
      : undefined;
    const at = manifest
      ? ctx.yaml.inManifest(manifest, "spec.gracefulRestart.enabled")
      : first.owner
        ? ctx.yaml.inManifest(first.owner, first.path)
        : first.node.source;
    return finding("graceful-restart-off", "warning", at, {
      message: pc
        ? `PeerConfig ${pc} leaves graceful restart off (used by ${nodeList(nodes)})`
        : `peer ${first.peer.name} has no PeerConfig, so graceful restart is off (${nodeList(nodes)})`,
      consequence:
        "a Cilium agent restart (upgrade, crash, config change) closes the session and the router withdraws the node's pod CIDR at once: its pods are cut off until the session is back",
      fix: "set `gracefulRestart: {enabled: true}` in the PeerConfig (BIRD's default `graceful restart aware` then keeps the routes as stale during the restart)",
    });
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
        finding("bird-graceful-restart-off", "warning", gr.at, {
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
