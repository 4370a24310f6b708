// The kind cluster config (kind.x-k8s.io/v1alpha4) for the clab runtime: no default CNI (Cilium
// is installed afterwards), the lab's pod and service CIDRs, the pinned node image
// (k8s-images.ts), and per node its role, its labels (the Cilium ClusterConfigs select peers by
// them) and its kubelet node-ip on the site LAN, so the API server reaches kubelets the way the
// seed does: across the routers.
//
// Pod CIDRs: the controller manager runs with --allocate-node-cidrs=false, so no node gets one in
// join order; the runtime sets each Node's spec.podCIDR(s) to the topology's right after the
// cluster exists, before Cilium (IPAM mode kubernetes, k8s.requireIPv4PodCIDR) starts on it.
// The node lifecycle timers are the topology's (kube-controller-manager
// --node-monitor-grace-period, kube-apiserver --default-{not-ready,unreachable}-toleration-seconds).

import type { Lab } from "../topology/model.ts";
import { labNodeLifecycle } from "../topology/node-lifecycle.ts";
import type { Artifact } from "./artifact.ts";
import { type ClusterMember, clusterMembers, type KubeProxyMode } from "./k8s-cluster.ts";
import { KIND_NODE_IMAGE, KUBERNETES_VERSION } from "./k8s-images.ts";
import { kindConfigPath } from "./paths.ts";
import { yamlText } from "./yaml-text.ts";

export interface KindOptions {
  /** kind cluster name; default the lab's name. containerlab's k8s-kind uses its node name instead. */
  clusterName?: string;
  /** Default iptables: the Helm values do not turn on Cilium's kube-proxy replacement. */
  kubeProxyMode?: KubeProxyMode;
  /** kindest/node image of every node; default the pinned KIND_NODE_IMAGE. */
  nodeImage?: string;
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
    kubeadmConfigPatches: [clusterConfigurationPatch(lab)],
    nodes: members.map((m, i) => kindNode(m, i === 0, opts.nodeImage ?? KIND_NODE_IMAGE)),
  };
}

/**
 * The kubeadm ClusterConfiguration flags the lab sets. kind v0.31 generates kubeadm v1beta3 (its
 * pkg/cluster/internal/kubeadm/config.go), where extraArgs is a map merged over kubeadm's
 * defaults; a patch that names no apiVersion applies whatever version kind generates
 * (pkg/internal/patch). kubeadm v1beta4 turns extraArgs into a list: revisit on a kind that uses it.
 */
export function clusterConfigurationPatch(lab: Pick<Lab, "cluster">): string {
  const l = labNodeLifecycle(lab.cluster);
  const toleration = String(Math.round(l.tolerationMs / 1000));
  return yamlText({
    kind: "ClusterConfiguration",
    controllerManager: {
      extraArgs: {
        "allocate-node-cidrs": "false",
        "node-monitor-grace-period": `${l.gracePeriodMs / 1000}s`,
      },
    },
    apiServer: {
      extraArgs: {
        "default-not-ready-toleration-seconds": toleration,
        "default-unreachable-toleration-seconds": toleration,
      },
    },
  });
}

function kindNode(m: ClusterMember, first: boolean, image: string): Record<string, unknown> {
  const labels = Object.keys(m.node.labels).length ? { labels: { ...m.node.labels } } : {};
  // kubeadm init runs on the first node only; every other node (workers, extra control planes) joins.
  const patch = yamlText({
    kind: first ? "InitConfiguration" : "JoinConfiguration",
    nodeRegistration: { kubeletExtraArgs: { "node-ip": m.node.address } },
  });
  return { role: m.role, image, ...labels, kubeadmConfigPatches: [patch] };
}

export function renderKindConfig(lab: Lab, opts: KindOptions = {}): Artifact[] {
  const members = clusterMembers(lab, "kind", opts.clusterName ?? lab.name);
  const header = [
    `kind cluster for lab "${lab.name}", rendered from the lab model; do not edit.`,
    `Node mapping: ${members.map((m) => `${m.node.name} -> ${m.container}`).join(", ")}.`,
    `Kubernetes ${KUBERNETES_VERSION}, pinned (lab/render/k8s-images.ts). node-ip is the node's LAN address,`,
    "configured on eth1 by the clab topology after kind starts the node: the kubelet reports it once",
    "the address exists. No pod CIDR is allocated (allocate-node-cidrs=false): the lab runtime sets",
    "each node's spec.podCIDR to the topology's before Cilium starts.",
  ];
  return [
    {
      path: kindConfigPath(lab),
      description: `kind config for ${lab.name}: ${members.length} nodes, no default CNI, pods ${lab.cluster.podCidr.text}`,
      content: yamlText(kindConfig(lab, opts), header),
    },
  ];
}
