// How lab nodes become kind or k3d cluster members. kind and k3d name their node containers
// (which are also the Kubernetes node names) by role and position, not by our names, so the
// order fixed here is shared by the cluster configs, the clab topology and the runtime.
import type { K8sNode, Lab } from "../topology/model.ts";

export type K8sDistribution = "kind" | "k3d";

/** kube-proxy mode, as kind's networking.kubeProxyMode spells it. */
export type KubeProxyMode = "iptables" | "ipvs" | "nftables" | "none";

export interface ClusterMember {
  node: K8sNode;
  role: K8sNode["role"];
  /** Position among the members of the same role, from 0. */
  index: number;
  /** Container name kind/k3d gives this member; also its Kubernetes node name. */
  container: string;
}

/**
 * Control-plane nodes first, then workers, each in topology order: the order kind and k3d
 * create (and number) their nodes in. kind: `<c>-control-plane`, `<c>-worker`, `<c>-worker2`, ...;
 * k3d: `k3d-<c>-server-0`, `k3d-<c>-agent-0`, ...
 */
export function clusterMembers(
  lab: Lab,
  distribution: K8sDistribution,
  clusterName: string,
): ClusterMember[] {
  const byRole = (role: K8sNode["role"]) => lab.nodes.filter((n) => n.role === role);
  return (["control-plane", "worker"] as const).flatMap((role) =>
    byRole(role).map((node, index) => ({
      node,
      role,
      index,
      container: containerName(distribution, clusterName, role, index),
    })),
  );
}

function containerName(
  distribution: K8sDistribution,
  cluster: string,
  role: K8sNode["role"],
  index: number,
): string {
  if (distribution === "k3d")
    return `k3d-${cluster}-${role === "control-plane" ? "server" : "agent"}-${index}`;
  // kind numbers from the second node of a role on: worker, worker2, worker3.
  return `${cluster}-${role}${index === 0 ? "" : index + 1}`;
}

/** k3d's node filter for one member, e.g. `agent:0`. */
export function k3dNodeFilter(member: ClusterMember): string {
  return `${member.role === "control-plane" ? "server" : "agent"}:${member.index}`;
}
