// What only the clab runtime reads for convergence (the checks themselves are written once, in
// lab/observe/convergence.ts): the pod CIDRs the cluster really allocated (Node.spec.podCIDRs),
// and whether the control plane reaches a remote kubelet: the API server proxies to it
// (`kubectl get --raw /api/v1/nodes/<node>/proxy/healthz`), and `kubectl top node` answers when
// metrics-server is installed (k3s ships it; kind does not).
import { clusterMembers } from "../../render/k8s-cluster.ts";
import type { ClabProbe, KubeNode } from "./observe.ts";
import { kubectl } from "./plan.ts";

/** Topology node name -> the pod CIDRs its Kubernetes node was allocated. */
export function allocatedPodCidrs(
  probe: Pick<ClabProbe, "control">,
  nodes: KubeNode[],
): Map<string, string[]> {
  const { lab, k8s, cluster } = probe.control;
  const byK8sName = new Map(nodes.map((n) => [n.name, n]));
  const out = new Map<string, string[]>();
  for (const m of clusterMembers(lab, k8s, cluster)) {
    const kn = byK8sName.get(m.container);
    if (kn) out.set(m.node.name, kn.podCidrs);
  }
  return out;
}

/** The control plane reaches this node's kubelet: true, or what went wrong. */
export async function kubeletReachable(probe: ClabProbe, node: string): Promise<true | string> {
  const m = clusterMembers(probe.lab, probe.control.k8s, probe.control.cluster).find(
    (x) => x.node.name === node,
  );
  if (!m) return `${node}: no Kubernetes node stands for it`;
  const health = await probe.tools.run({
    argv: kubectl(probe.paths, "get", "--raw", `/api/v1/nodes/${m.container}/proxy/healthz`),
    timeoutMs: 20_000,
    allowFailure: true,
  });
  if (health.code !== 0 || health.stdout.trim() !== "ok")
    return `API server -> ${node} kubelet (${m.container}:10250): ${(health.stderr.trim() || health.stdout.trim() || `exit ${health.code}`).split("\n").slice(-1)[0]}`;
  if (!(await hasMetricsApi(probe))) return true;
  const top = await probe.tools.run({
    argv: kubectl(probe.paths, "top", "node", m.container, "--no-headers"),
    timeoutMs: 20_000,
    allowFailure: true,
  });
  return top.code === 0 || `kubectl top node ${m.container}: ${top.stderr.trim().split("\n").slice(-1)[0]}`;
}

/** metrics-server answers when its APIService is registered and Available. */
async function hasMetricsApi(probe: ClabProbe): Promise<boolean> {
  const r = await probe.tools.run({
    argv: kubectl(
      probe.paths,
      "get",
      "apiservice",
      "v1beta1.metrics.k8s.io",
      "-o",
      "jsonpath={.status.conditions[?(@.type=='Available')].status}",
    ),
    timeoutMs: 20_000,
    allowFailure: true,
  });
  return r.code === 0 && r.stdout.trim() === "True";
}
