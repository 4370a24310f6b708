import test from "ava";
import yaml from "js-yaml";
import { renderK3dConfig } from "../../../lab/render/k3d.ts";
import { clusterMembers } from "../../../lab/render/k8s-cluster.ts";
import { K3S_IMAGE, KIND_NODE_IMAGE, KUBERNETES_VERSION } from "../../../lab/render/k8s-images.ts";
import { renderKindConfig } from "../../../lab/render/kind.ts";
import { k3dConfigPath, kindConfigPath } from "../../../lab/render/paths.ts";
import { loadLab } from "../../../lab/topology/load.ts";
import type { K8sNode, Lab } from "../../../lab/topology/model.ts";
import { assertGolden } from "../../helpers/golden.ts";

const lab = await loadLab();

interface KindNode {
  role: string;
  image?: string;
  labels?: Record<string, string>;
  kubeadmConfigPatches: string[];
}
interface KindConfig {
  name: string;
  networking: Record<string, unknown>;
  nodes: KindNode[];
}
interface K3dConfig {
  servers: number;
  agents: number;
  options: {
    k3s: {
      extraArgs: { arg: string; nodeFilters: string[] }[];
      nodeLabels?: { label: string; nodeFilters: string[] }[];
    };
  };
}

const kind = (l: Lab = lab, opts = {}) =>
  yaml.load(renderKindConfig(l, opts)[0]?.content ?? "") as KindConfig;
const k3d = (l: Lab = lab, opts = {}) => yaml.load(renderK3dConfig(l, opts)[0]?.content ?? "") as K3dConfig;

test("kind config matches its golden file", (t) => {
  const [artifact] = renderKindConfig(lab);
  t.is(artifact?.path, kindConfigPath(lab));
  assertGolden(t, "render/xsite.kind.yaml", artifact?.content ?? "");
});

test("k3d config matches its golden file", (t) => {
  const [artifact] = renderK3dConfig(lab);
  t.is(artifact?.path, k3dConfigPath(lab));
  assertGolden(t, "render/xsite.k3d.yaml", artifact?.content ?? "");
});

test("kind: no default CNI, the lab's pod and service subnets", (t) => {
  const c = kind();
  t.is(c.networking.disableDefaultCNI, true);
  t.is(c.networking.podSubnet, "10.42.0.0/16");
  t.is(c.networking.serviceSubnet, "10.43.0.0/16");
  t.is(c.networking.kubeProxyMode, "iptables");
  t.is(kind(lab, { kubeProxyMode: "none" }).networking.kubeProxyMode, "none");
});

test("kind: control plane first, labels on yuuko-k8s's node only", (t) => {
  const c = kind();
  t.deepEqual(
    c.nodes.map((n) => n.role),
    ["control-plane", "worker", "worker"],
  );
  const members = clusterMembers(lab, "kind", lab.name);
  t.deepEqual(
    members.map((m) => [m.node.name, m.container]),
    [
      ["sakamoto", "xsite-control-plane"],
      ["yuuko-k8s", "xsite-worker"],
      ["nano", "xsite-worker2"],
    ],
  );
  t.deepEqual(c.nodes[1]?.labels, { "node-type": "remote" });
  t.is(c.nodes[0]?.labels, undefined);
  t.is(c.nodes[2]?.labels, undefined);
});

test("kind: kubelet node-ip is each node's LAN address; init on the first node, join elsewhere", (t) => {
  const patches = kind().nodes.map(
    (n) =>
      yaml.load(n.kubeadmConfigPatches[0] ?? "") as {
        kind: string;
        nodeRegistration: { kubeletExtraArgs: Record<string, string> };
      },
  );
  t.deepEqual(
    patches.map((p) => p.kind),
    ["InitConfiguration", "JoinConfiguration", "JoinConfiguration"],
  );
  t.deepEqual(
    patches.map((p) => p.nodeRegistration.kubeletExtraArgs["node-ip"]),
    ["192.168.6.80", "192.168.0.81", "192.168.6.81"],
  );
});

test("kind numbers extra workers worker2, worker3; k3d numbers agents from 0", (t) => {
  const more = structuredClone(lab);
  const extra = (name: string, address: string): K8sNode => ({
    ...(structuredClone(lab.nodes[2]) as K8sNode),
    name,
    address,
  });
  more.nodes.push(extra("n4", "192.168.6.82"), extra("n5", "192.168.6.83"));
  t.deepEqual(
    clusterMembers(more, "kind", "c").map((m) => m.container),
    ["c-control-plane", "c-worker", "c-worker2", "c-worker3", "c-worker4"],
  );
  t.deepEqual(
    clusterMembers(more, "k3d", "c").map((m) => m.container),
    ["k3d-c-server-0", "k3d-c-agent-0", "k3d-c-agent-1", "k3d-c-agent-2", "k3d-c-agent-3"],
  );
});

test("k3d: flannel off, no network policy controller, the lab's CIDRs, one server and two agents", (t) => {
  const c = k3d();
  t.is(c.servers, 1);
  t.is(c.agents, 2);
  const args = c.options.k3s.extraArgs.map((a) => `${a.arg}@${a.nodeFilters.join(",")}`);
  for (const a of [
    "--flannel-backend=none@server:*",
    "--disable-network-policy@server:*",
    "--cluster-cidr=10.42.0.0/16@server:*",
    "--service-cidr=10.43.0.0/16@server:*",
    "--node-ip=192.168.6.80@server:0",
    "--node-ip=192.168.0.81@agent:0",
  ])
    t.true(args.includes(a), a);
  t.deepEqual(c.options.k3s.nodeLabels, [{ label: "node-type=remote", nodeFilters: ["agent:0"] }]);
});

test("k3d: kube-proxy mode maps to k3s flags", (t) => {
  const args = (mode: string) => k3d(lab, { kubeProxyMode: mode }).options.k3s.extraArgs.map((a) => a.arg);
  t.false(args("iptables").some((a) => a.includes("kube-proxy")));
  t.true(args("none").includes("--disable-kube-proxy"));
  t.true(args("ipvs").includes("--kube-proxy-arg=proxy-mode=ipvs"));
});

test("kind and k3d run the pinned Kubernetes: kindest/node by digest on every node, the matching k3s image", (t) => {
  t.true(kind().nodes.every((n) => n.image === KIND_NODE_IMAGE));
  t.regex(KIND_NODE_IMAGE, /^kindest\/node:v1\.33\.\d+@sha256:[0-9a-f]{64}$/);
  t.true(KIND_NODE_IMAGE.startsWith(`kindest/node:v${KUBERNETES_VERSION}@`));
  t.is(K3S_IMAGE, `rancher/k3s:v${KUBERNETES_VERSION}-k3s1`);
  t.is((yaml.load(renderK3dConfig(lab)[0]?.content ?? "") as { image?: string }).image, K3S_IMAGE);
  t.is(
    (kind(lab, { nodeImage: "kindest/node:v1.32.11" }) as unknown as { nodes: { image: string }[] }).nodes[0]
      ?.image,
    "kindest/node:v1.32.11",
  );
});

test("no join-order pod CIDRs; the topology's node lifecycle timers reach the controller manager and API server", (t) => {
  const patch = (l: Lab) =>
    yaml.load(
      (yaml.load(renderKindConfig(l)[0]?.content ?? "") as { kubeadmConfigPatches: string[] })
        .kubeadmConfigPatches[0] ?? "",
    ) as {
      kind: string;
      controllerManager: { extraArgs: Record<string, string> };
      apiServer: { extraArgs: Record<string, string> };
    };
  const p = patch(lab);
  t.is(p.kind, "ClusterConfiguration");
  t.deepEqual(p.controllerManager.extraArgs, {
    "allocate-node-cidrs": "false",
    "node-monitor-grace-period": "50s",
  });
  t.deepEqual(p.apiServer.extraArgs, {
    "default-not-ready-toleration-seconds": "300",
    "default-unreachable-toleration-seconds": "300",
  });
  const slow = structuredClone(lab);
  slow.cluster.nodeLifecycle = { gracePeriodMs: 40_000, tolerationMs: 120_000 };
  t.is(patch(slow).controllerManager.extraArgs["node-monitor-grace-period"], "40s");
  t.is(patch(slow).apiServer.extraArgs["default-unreachable-toleration-seconds"], "120");
  const args = k3d(slow)
    .options.k3s.extraArgs.filter((a) => a.nodeFilters.includes("server:*"))
    .map((a) => a.arg);
  for (const a of [
    "--kube-controller-manager-arg=allocate-node-cidrs=false",
    "--kube-controller-manager-arg=node-monitor-grace-period=40s",
    "--kube-apiserver-arg=default-not-ready-toleration-seconds=120",
    "--kube-apiserver-arg=default-unreachable-toleration-seconds=120",
  ])
    t.true(args.includes(a), a);
});
