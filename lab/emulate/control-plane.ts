// Control-plane stand-in: the part of kube-controller-manager's node lifecycle controller a WAN
// outage exercises. Kubelets renew their heartbeat every 10 s (kubelet
// --node-status-update-frequency and its Lease); every node-monitor-period (5 s, the
// controller-manager's default) the controller marks a node NotReady (Unknown in the real
// condition) once no heartbeat arrived for node-monitor-grace-period, taints it, and taint-based
// eviction removes its pods after their not-ready/unreachable tolerationSeconds (300 s,
// DefaultTolerationSeconds). It keeps no API objects: a heartbeat registers its node.

/** kube-controller-manager --node-monitor-period default. */
export const MONITOR_PERIOD_MS = 5_000;

export interface Heartbeat {
  node: string;
  role: string;
  pods: string[];
}

export interface NodeRecord {
  name: string;
  role: string;
  pods: string[];
  /** When its first heartbeat arrived (ms since the epoch): kubectl's AGE. */
  registeredAt: number;
  lastHeartbeatAt: number;
  ready: boolean;
  /** Since when it has been in its current readiness, as the controller saw it. */
  transitionAt: number;
  /** Pods evicted (taint-based eviction) and when; a node coming back does not bring them back. */
  evicted: { pod: string; at: number }[];
}

export interface NodesView {
  gracePeriodMs: number;
  tolerationMs: number;
  now: number;
  nodes: (NodeRecord & { evictionDueAt: number | null })[];
}

export class ControlPlane {
  private readonly nodes = new Map<string, NodeRecord>();
  constructor(
    readonly gracePeriodMs: number,
    readonly tolerationMs: number,
  ) {}

  /** A node the cluster already had when the lab came up: registered now, as if it had just
   * renewed (its first datagram may be lost while the lab still converges). */
  register(hb: Heartbeat, now: number): void {
    if (!this.nodes.has(hb.node)) this.heartbeat(JSON.stringify(hb), now);
  }

  /** Parses and applies one heartbeat datagram; false when it is not one. */
  heartbeat(payload: string, now: number): boolean {
    let hb: Heartbeat;
    try {
      hb = JSON.parse(payload) as Heartbeat;
    } catch {
      return false;
    }
    if (typeof hb?.node !== "string" || !Array.isArray(hb.pods)) return false;
    const n = this.nodes.get(hb.node);
    if (!n) {
      this.nodes.set(hb.node, {
        name: hb.node,
        role: String(hb.role ?? "worker"),
        pods: hb.pods.map(String),
        registeredAt: now,
        lastHeartbeatAt: now,
        ready: true,
        transitionAt: now,
        evicted: [],
      });
      return true;
    }
    n.lastHeartbeatAt = now;
    // The controller sets Ready again on the first status update after a heal.
    if (!n.ready) Object.assign(n, { ready: true, transitionAt: now });
    return true;
  }

  /** One pass of the node lifecycle controller (every MONITOR_PERIOD_MS). */
  monitor(now: number): void {
    for (const n of this.nodes.values()) {
      if (n.ready && now - n.lastHeartbeatAt > this.gracePeriodMs) {
        n.ready = false;
        n.transitionAt = now;
      }
      if (!n.ready && now >= n.transitionAt + this.tolerationMs) {
        for (const pod of n.pods) if (!n.evicted.some((e) => e.pod === pod)) n.evicted.push({ pod, at: now });
      }
    }
  }

  view(now: number): NodesView {
    return {
      gracePeriodMs: this.gracePeriodMs,
      tolerationMs: this.tolerationMs,
      now,
      nodes: [...this.nodes.values()].map((n) => ({
        ...n,
        evictionDueAt: n.ready ? null : n.transitionAt + this.tolerationMs,
      })),
    };
  }
}
