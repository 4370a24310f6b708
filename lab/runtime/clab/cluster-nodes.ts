// The nodes as the real control plane sees them (LabHandle.clusterNodes on clab): read from the
// API server with `kubectl get nodes -o json` and the test pods, in the shape the netns control
// plane stand-in reports, keyed by the topology's node names.
//
// - Ready is the Ready condition's status "True"; the node lifecycle controller sets it to
//   "Unknown" when the kubelet stops renewing (kubectl shows NotReady either way), and its
//   lastTransitionTime is when that happened.
// - Taint-based eviction: the controller taints a NotReady node node.kubernetes.io/not-ready or
//   node.kubernetes.io/unreachable (effect NoExecute, with timeAdded); a pod is evicted when its
//   toleration of that taint runs out (tolerationSeconds, 300 by default from the
//   DefaultTolerationSeconds admission plugin; the lab renders the topology's into the API
//   server's flags). The due time is the taint's timeAdded + the pods' tolerationSeconds.
// - An evicted pod is deleted; on a node whose kubelet is unreachable its deletion cannot finish,
//   so it stays with metadata.deletionTimestamp set (Terminating). The deletion was requested
//   deletionGracePeriodSeconds before that timestamp.
import { clusterMembers } from "../../render/k8s-cluster.ts";
import type { Lab } from "../../topology/model.ts";
import { labNodeLifecycle } from "../../topology/node-lifecycle.ts";
import type { ClusterNode } from "../kind.ts";
import type { K8sDistributionName } from "./distributions.ts";

/** The taints of an unready node whose NoExecute effect evicts pods. */
export const EVICTION_TAINTS = ["node.kubernetes.io/unreachable", "node.kubernetes.io/not-ready"];
const CONTROL_PLANE_LABEL = "node-role.kubernetes.io/control-plane";

interface NodeJson {
  metadata?: { name?: string; creationTimestamp?: string; labels?: Record<string, string> };
  spec?: { taints?: { key?: string; effect?: string; timeAdded?: string }[] };
  status?: { conditions?: { type?: string; status?: string; lastTransitionTime?: string }[] };
}

interface PodJson {
  metadata?: { name?: string; deletionTimestamp?: string; deletionGracePeriodSeconds?: number };
  spec?: { nodeName?: string; tolerations?: { key?: string; effect?: string; tolerationSeconds?: number }[] };
}

const ms = (iso: string | undefined): number | null => {
  const t = iso ? Date.parse(iso) : Number.NaN;
  return Number.isNaN(t) ? null : t;
};

export interface ClusterNodesInput {
  lab: Lab;
  k8s: K8sDistributionName;
  cluster: string;
  /** `kubectl get nodes -o json`. */
  nodesJson: string;
  /** `kubectl get pods -n <test pod namespace> -o json`. */
  podsJson: string;
}

/** The topology's nodes as the API server shows them; a node it does not know is left out. */
export function parseClusterNodes(input: ClusterNodesInput): ClusterNode[] {
  const nodes = (JSON.parse(input.nodesJson) as { items?: NodeJson[] }).items ?? [];
  const pods = (JSON.parse(input.podsJson) as { items?: PodJson[] }).items ?? [];
  const byName = new Map(nodes.map((n) => [n.metadata?.name ?? "", n]));
  const defaultTolerationMs = labNodeLifecycle(input.lab.cluster).tolerationMs;
  const out: ClusterNode[] = [];
  for (const m of clusterMembers(input.lab, input.k8s, input.cluster)) {
    const n = byName.get(m.container);
    if (!n) continue;
    const ready = n.status?.conditions?.find((c) => c.type === "Ready");
    const registeredAt = ms(n.metadata?.creationTimestamp) ?? 0;
    const isReady = ready?.status === "True";
    const taint = (n.spec?.taints ?? []).find(
      (x) => x.effect === "NoExecute" && EVICTION_TAINTS.includes(x.key ?? ""),
    );
    const mine = pods.filter((p) => p.spec?.nodeName === m.container);
    // The pods' own toleration of the taint (the admission plugin's default, or the lab's).
    const tolerations = mine.flatMap((p) =>
      (p.spec?.tolerations ?? []).filter(
        (t) => t.key === taint?.key && t.effect === "NoExecute" && typeof t.tolerationSeconds === "number",
      ),
    );
    const tolerationMs = tolerations.length
      ? Math.min(...tolerations.map((t) => (t.tolerationSeconds as number) * 1000))
      : defaultTolerationMs;
    const transitionAt = ms(ready?.lastTransitionTime) ?? registeredAt;
    const taintedAt = taint ? (ms(taint.timeAdded) ?? transitionAt) : null;
    out.push({
      name: m.node.name,
      role: n.metadata?.labels && CONTROL_PLANE_LABEL in n.metadata.labels ? "control-plane" : "worker",
      ready: isReady,
      registeredAt,
      transitionAt,
      evictionDueAt: !isReady && taintedAt !== null ? taintedAt + tolerationMs : null,
      // Only while the node carries an eviction taint: another deletion is not an eviction.
      evicted: taint
        ? mine.flatMap((p) => {
            const at = ms(p.metadata?.deletionTimestamp);
            return at === null
              ? []
              : [
                  {
                    pod: p.metadata?.name ?? "",
                    at: at - (p.metadata?.deletionGracePeriodSeconds ?? 0) * 1000,
                  },
                ];
          })
        : [],
      pods: mine.map((p) => p.metadata?.name ?? "").filter(Boolean),
    });
  }
  return out;
}
