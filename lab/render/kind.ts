// The kind cluster config (kind.x-k8s.io/v1alpha4) for the clab runtime: no default CNI (Cilium
// is installed afterwards), the lab's pod and service CIDRs, and per node its role, its labels
// (the Cilium ClusterConfigs select peers by them) and its kubelet node-ip on the site LAN, so
// the API server reaches kubelets the way the seed does: across the routers.
import type { Lab } from "../topology/model.ts";
import type { Artifact } from "./artifact.ts";
import { type ClusterMember, clusterMembers, type KubeProxyMode } from "./k8s-cluster.ts";
import { kindConfigPath } from "./paths.ts";
import { yamlText } from "./yaml-text.ts";

export interface KindOptions {
  /** kind cluster name; default the lab's name. containerlab's k8s-kind uses its node name instead. */
  clusterName?: string;
  /** Default iptables: the Helm values do not turn on Cilium's kube-proxy replacement. */
  kubeProxyMode?: KubeProxyMode;
}

export function kindConfig(lab: Lab, opts: KindOptions = {}): Record<string, unknown> {
  const clusterName = opts.clusterName ?? lab.name;
  const members = clusterMembers(lab, "kind", clusterName);
  return {
    kind: "Cluster",
    apiVersion: "kind.x-k8s.io/v1alpha4",
    name: clusterName,
    networking: {
      disableDefaultCNI: true,
      podSubnet: lab.cluster.podCidr.text,
      serviceSubnet: lab.cluster.serviceCidr.text,
      kubeProxyMode: opts.kubeProxyMode ?? "iptables",
    },
    nodes: members.map((m, i) => kindNode(m, i === 0)),
  };
}

function kindNode(m: ClusterMember, first: boolean): Record<string, unknown> {
  const labels = Object.keys(m.node.labels).length ? { labels: { ...m.node.labels } } : {};
  // kubeadm init runs on the first node only; every other node (workers, extra control planes) joins.
  const patch = yamlText({
    kind: first ? "InitConfiguration" : "JoinConfiguration",
    nodeRegistration: { kubeletExtraArgs: { "node-ip": m.node.address } },
  });
  return { role: m.role, ...labels, kubeadmConfigPatches: [patch] };
}

export function renderKindConfig(lab: Lab, opts: KindOptions = {}): Artifact[] {
  const members = clusterMembers(lab, "kind", opts.clusterName ?? lab.name);
  const header = [
    `kind cluster for lab "${lab.name}", rendered from the lab model; do not edit.`,
    `Node mapping: ${members.map((m) => `${m.node.name} -> ${m.container}`).join(", ")}.`,
    "node-ip is the node's LAN address, configured on eth1 by the clab topology after kind starts the",
    "node: the kubelet reports it once the address exists. Pod CIDRs per node are allocated by the",
    "controller manager in join order, not taken from the topology.",
  ];
  return [
    {
      path: kindConfigPath(lab),
      description: `kind config for ${lab.name}: ${members.length} nodes, no default CNI, pods ${lab.cluster.podCidr.text}`,
      content: yamlText(kindConfig(lab, opts), header),
    },
  ];
}
