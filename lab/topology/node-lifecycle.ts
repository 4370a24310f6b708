// The Kubernetes node lifecycle timers the netns control-plane stand-in applies
// (lab/emulate/control-plane.ts); the schema checks the duration syntax.
import { parseDuration } from "../util/duration.ts";

/** kube-controller-manager --node-monitor-grace-period: 50s since Kubernetes 1.32 (kubernetes/
 * kubernetes PR #126287 raised it from 40s so that it exceeds the kubelet's lease renewal). */
export const DEFAULT_GRACE_PERIOD_MS = 50_000;
/** DefaultTolerationSeconds admission plugin: not-ready/unreachable tolerationSeconds 300. */
export const DEFAULT_TOLERATION_MS = 300_000;
/** kubelet --node-status-update-frequency and its lease renewal: every 10s. */
export const HEARTBEAT_MS = 10_000;

export interface NodeLifecycle {
  gracePeriodMs: number;
  tolerationMs: number;
}

export function nodeLifecycle(raw: {
  nodeMonitorGracePeriod?: string;
  notReadyToleration?: string;
}): NodeLifecycle {
  const ms = (text: string | undefined, dflt: number) => {
    const d = text === undefined ? null : parseDuration(text);
    return d?.ok && d.ms !== null ? d.ms : dflt;
  };
  return {
    gracePeriodMs: ms(raw.nodeMonitorGracePeriod, DEFAULT_GRACE_PERIOD_MS),
    tolerationMs: ms(raw.notReadyToleration, DEFAULT_TOLERATION_MS),
  };
}

/** A lab's timers, defaults where the topology says nothing. */
export function labNodeLifecycle(cluster: { nodeLifecycle?: NodeLifecycle }): NodeLifecycle {
  return (
    cluster.nodeLifecycle ?? { gracePeriodMs: DEFAULT_GRACE_PERIOD_MS, tolerationMs: DEFAULT_TOLERATION_MS }
  );
}
