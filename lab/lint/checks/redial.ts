// Cilium's speaker only dials out (no localPort): when a router restarts, the router cannot call
// the node back, and the session returns only when the node redials. GoBGP waits connectRetry to
// 2x connectRetry after a refused attempt (measured with 3.10 and 3.36: 120 s gives up to ~240 s).
import type { LintContext } from "../context.ts";
import { type Finding, finding } from "../finding.ts";
import { ciliumPeers, groupByPeerConfig, nodeList, peerConfigField } from "../sessions.ts";

/** Redial delays above this are worth a warning: that long, a router restart cuts the node's pods off. */
const REDIAL_WARN_SECONDS = 30;

export function nodeRedialDelay(ctx: LintContext): Finding[] {
  const slow = ciliumPeers(ctx).filter(
    (cp) => cp.instance.localPort === null && cp.peer.timers.connectRetrySeconds > REDIAL_WARN_SECONDS,
  );
  return groupByPeerConfig(slow).map(({ first, nodes }) => {
    const retry = first.peer.timers.connectRetrySeconds;
    return finding(
      "node-redial-delay",
      "warn",
      peerConfigField(ctx, first, "spec.timers.connectRetryTimeSeconds"),
      {
        message: `${nodeList(nodes)} only dial out (no localPort) and redial every ${retry} s (connectRetryTimeSeconds)`,
        consequence: `after a router restart the router cannot reach these nodes' speakers; their sessions return only when they redial, ${retry}-${2 * retry} s later (GoBGP 3.10 and 3.36 alike; Cilium embeds 3.37), and their pod CIDRs are unreachable until then`,
        fix: "lower `timers.connectRetryTimeSeconds` in the PeerConfig (e.g. 5), or set `localPort: 179` on the bgpInstance so the router can connect to the node (a port below 1024: the Cilium agent needs CAP_NET_BIND_SERVICE for it, e.g. in the Helm value securityContext.capabilities.ciliumAgent)",
      },
    );
  });
}
