// The k3d cluster config (k3d.io/v1alpha5, kind Simple): k3s the way the seed runs it (no
// flannel, no k3s network policy controller, the lab's cluster and service CIDRs), one server
// per control-plane node, one agent per worker, each with its topology labels and its LAN
// address as node-ip. containerlab has no k3d node kind: the runtime creates this cluster first
// (`k3d cluster create --config`), then the clab topology wires its containers as ext-containers.
//
// Cilium on k3d: the k3s containers do not have /sys/fs/bpf (nor a cgroup2 mount for Cilium) as
// shared mounts, and the agent fails with "/sys/fs/bpf ... is not a shared mount" (k3d issue
// #363). A docker volume cannot fix it from here; the clab topology mounts bpffs and makes it
// shared inside each k3d node before Cilium is installed (see clab.ts).
//
// Pod CIDRs and node lifecycle timers as in kind.ts: k3s passes --kube-controller-manager-arg and
// --kube-apiserver-arg through to its embedded components.

import type { Lab } from "../topology/model.ts";
import { labNodeLifecycle } from "../topology/node-lifecycle.ts";
import type { Artifact } from "./artifact.ts";
import { clusterMembers, type KubeProxyMode, k3dNodeFilter } from "./k8s-cluster.ts";
import { K3S_IMAGE, KUBERNETES_VERSION } from "./k8s-images.ts";
import { k3dConfigPath } from "./paths.ts";
import { yamlText } from "./yaml-text.ts";

export interface K3dOptions {
  /** Cluster name; k3d prefixes its containers with `k3d-`. Default the lab's name. */
  clusterName?: string;
  kubeProxyMode?: KubeProxyMode;
  /** rancher/k3s image; default the pinned K3S_IMAGE. */
  image?: string;
}

export function k3dConfig(lab: Lab, opts: K3dOptions = {}): Record<string, unknown> {
  const clusterName = opts.clusterName ?? lab.name;
  const members = clusterMembers(lab, "k3d", clusterName);
  const servers = members.filter((m) => m.role === "control-plane");
  const arg = (a: string, filters: string[]) => ({ arg: a, nodeFilters: filters });
  const l = labNodeLifecycle(lab.cluster);
  const toleration = Math.round(l.tolerationMs / 1000);
  const extraArgs = [
    arg("--flannel-backend=none", ["server:*"]),
    arg("--disable-network-policy", ["server:*"]),
    arg(`--cluster-cidr=${lab.cluster.podCidr.text}`, ["server:*"]),
    arg(`--service-cidr=${lab.cluster.serviceCidr.text}`, ["server:*"]),
    arg("--kube-controller-manager-arg=allocate-node-cidrs=false", ["server:*"]),
    arg(`--kube-controller-manager-arg=node-monitor-grace-period=${l.gracePeriodMs / 1000}s`, ["server:*"]),
    arg(`--kube-apiserver-arg=default-not-ready-toleration-seconds=${toleration}`, ["server:*"]),
    arg(`--kube-apiserver-arg=default-unreachable-toleration-seconds=${toleration}`, ["server:*"]),
    ...kubeProxyArgs(opts.kubeProxyMode ?? "iptables").map((a) => arg(a, ["server:*", "agent:*"])),
    ...members.map((m) => arg(`--node-ip=${m.node.address}`, [k3dNodeFilter(m)])),
  ];
  const nodeLabels = members.flatMap((m) =>
    Object.entries(m.node.labels).map(([k, v]) => ({ label: `${k}=${v}`, nodeFilters: [k3dNodeFilter(m)] })),
  );
  return {
    apiVersion: "k3d.io/v1alpha5",
    kind: "Simple",
    metadata: { name: clusterName },
    servers: servers.length,
    agents: members.length - servers.length,
    image: opts.image ?? K3S_IMAGE,
    options: { k3s: { extraArgs, ...(nodeLabels.length ? { nodeLabels } : {}) } },
  };
}

// k3s runs kube-proxy in iptables mode unless told otherwise.
function kubeProxyArgs(mode: KubeProxyMode): string[] {
  if (mode === "iptables") return [];
  if (mode === "none") return ["--disable-kube-proxy"];
  return [`--kube-proxy-arg=proxy-mode=${mode}`];
}

export function renderK3dConfig(lab: Lab, opts: K3dOptions = {}): Artifact[] {
  const members = clusterMembers(lab, "k3d", opts.clusterName ?? lab.name);
  const header = [
    `k3d cluster for lab "${lab.name}", rendered from the lab model; do not edit.`,
    `Node mapping: ${members.map((m) => `${m.node.name} -> ${m.container}`).join(", ")}.`,
    "Cilium needs /sys/fs/bpf as a shared bpffs mount in every k3d node (k3d issue #363); the clab",
    `topology's exec commands mount it. Kubernetes ${KUBERNETES_VERSION}, pinned (lab/render/k8s-images.ts).`,
    "No pod CIDR is allocated (allocate-node-cidrs=false): the lab runtime sets each node's",
    "spec.podCIDR to the topology's before Cilium starts.",
  ];
  return [
    {
      path: k3dConfigPath(lab),
      description: `k3d config for ${lab.name}: ${members.length} nodes, flannel off, pods ${lab.cluster.podCidr.text}`,
      content: yamlText(k3dConfig(lab, opts), header),
    },
  ];
}
