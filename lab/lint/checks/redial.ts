// Cilium's speaker only dials out (no localPort): when a router restarts, the router cannot call
// the node back, and the session returns only when the node redials. GoBGP 3.10 waits
// connectRetry to 2x connectRetry after a refused attempt (measured: 120 s gives up to ~240 s).
import type { K8sNode } from "../../topology/model.ts";
import type { LintContext } from "../context.ts";
import { type Finding, finding } from "../finding.ts";
import { type CiliumPeer, ciliumPeers, nodeList } from "../sessions.ts";

/** Redial delays above this are worth a warning: that long, a router restart cuts the node's pods off. */
const REDIAL_WARN_SECONDS = 30;

export function nodeRedialDelay(ctx: LintContext): Finding[] {
  const groups = new Map<string, { first: CiliumPeer; nodes: K8sNode[] }>();
  for (const cp of ciliumPeers(ctx)) {
    if (cp.instance.localPort !== null || cp.peer.timers.connectRetrySeconds <= REDIAL_WARN_SECONDS) continue;
    const key = cp.peer.peerConfig ?? `${cp.owner?.metadata.name}|${cp.path}`;
    const g = groups.get(key) ?? { first: cp, nodes: [] };
    if (!g.nodes.includes(cp.node)) g.nodes.push(cp.node);
    groups.set(key, g);
  }
  return [...groups.values()].map(({ first, nodes }) => {
    const retry = first.peer.timers.connectRetrySeconds;
    const pc = first.peer.peerConfig;
    const manifest = pc
      ? ctx.lab.cilium.find((m) => m.kind === "CiliumBGPPeerConfig" && m.metadata.name === pc)
      : undefined;
    const at = manifest
      ? ctx.yaml.inManifest(manifest, "spec.timers.connectRetryTimeSeconds")
      : first.owner
        ? ctx.yaml.inManifest(first.owner, first.path)
        : first.node.source;
    return finding("node-redial-delay", "warning", at, {
      message: `${nodeList(nodes)} only dial out (no localPort) and redial every ${retry} s (connectRetryTimeSeconds)`,
      consequence: `after a router restart the router cannot reach these nodes' speakers; their sessions return only when they redial, ${retry}-${2 * retry} s later with GoBGP 3.10, and their pod CIDRs are unreachable until then`,
      fix: "lower `timers.connectRetryTimeSeconds` in the PeerConfig (e.g. 5), or set `localPort: 179` on the bgpInstance so the router can connect to the node",
    });
  });
}
