// The clab runtime's test-pod manifest: valid YAML, one Pod per topology pod, each pinned to the
// kind/k3d node that stands for its topology node.
import test from "ava";
import yaml from "js-yaml";
import { clusterMembers } from "../../../../lab/render/k8s-cluster.ts";
import { TEST_PODS_PATH } from "../../../../lab/runtime/clab/paths.ts";
import { NODE_LABEL, renderTestPods, testPodNamespace } from "../../../../lab/runtime/clab/test-pods.ts";
import { DEFAULT_POD_IMAGE } from "../../../../lab/runtime/clab/versions.ts";
import { loadLab } from "../../../../lab/topology/load.ts";
import type { Lab } from "../../../../lab/topology/model.ts";
import { LabError } from "../../../../lab/util/errors.ts";

const lab = await loadLab();

interface PodDoc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: {
    nodeName?: string;
    containers?: { name: string; image: string; command?: string[] }[];
    tolerations?: unknown[];
  };
}

function docs(l: Lab, k8s: "kind" | "k3d", image?: string): PodDoc[] {
  const artifact = renderTestPods(l, { k8s, ...(image ? { image } : {}) });
  return yaml.loadAll(artifact.content) as PodDoc[];
}

for (const k8s of ["kind", "k3d"] as const) {
  test(`${k8s}: valid YAML, a Namespace, then one Pod per topology pod pinned to its node`, (t) => {
    const all = docs(lab, k8s);
    const [ns, ...pods] = all;
    t.is(ns?.kind, "Namespace");
    t.is(ns?.metadata.name, testPodNamespace(lab));
    const topologyPods = lab.nodes.flatMap((n) => n.pods);
    t.is(pods.length, topologyPods.length);
    t.true(pods.every((p) => p.apiVersion === "v1" && p.kind === "Pod"));
    t.deepEqual(pods.map((p) => p.metadata.name).sort(), topologyPods.map((p) => p.name).sort());
    const containerOf = new Map(clusterMembers(lab, k8s, lab.name).map((m) => [m.node.name, m.container]));
    for (const p of topologyPods) {
      const doc = pods.find((d) => d.metadata.name === p.name);
      t.is(doc?.spec?.nodeName, containerOf.get(p.node), `${p.name} pinned to ${p.node}'s ${k8s} node`);
      t.is(doc?.metadata.namespace, testPodNamespace(lab));
      t.is(doc?.metadata.labels?.[NODE_LABEL], p.node);
      t.is(doc?.spec?.containers?.[0]?.image, DEFAULT_POD_IMAGE);
      t.truthy(doc?.spec?.tolerations?.length, "tolerates the control-plane taint");
    }
  });
}

test("kind node names: control plane first, then workers in topology order", (t) => {
  const byPod = new Map(docs(lab, "kind").map((d) => [d.metadata.name, d.spec?.nodeName]));
  t.is(byPod.get("sakamoto-pod1"), "xsite-control-plane");
  t.is(byPod.get("yuuko-k8s-pod2"), "xsite-worker");
  t.is(byPod.get("nano-pod1"), "xsite-worker2");
  const k3d = new Map(docs(lab, "k3d").map((d) => [d.metadata.name, d.spec?.nodeName]));
  t.is(k3d.get("sakamoto-pod2"), "k3d-xsite-server-0");
  t.is(k3d.get("yuuko-k8s-pod1"), "k3d-xsite-agent-0");
  t.is(k3d.get("nano-pod2"), "k3d-xsite-agent-1");
});

test("the image is configurable and the artifact lands where the runtime applies it", (t) => {
  const artifact = renderTestPods(lab, { k8s: "kind", image: "registry.local/tools:1" });
  t.is(artifact.path, TEST_PODS_PATH);
  const pods = (yaml.loadAll(artifact.content) as PodDoc[]).filter((d) => d.kind === "Pod");
  t.true(pods.every((p) => p.spec?.containers?.[0]?.image === "registry.local/tools:1"));
  t.regex(artifact.content, /^# Test pods of lab "xsite" \(kind\)/);
});

test("a pod name Kubernetes would reject is refused with the node it comes from", (t) => {
  const [first, ...rest] = lab.nodes;
  if (!first) return t.fail("topology has no nodes");
  const bad: Lab = {
    ...lab,
    nodes: [
      {
        ...first,
        name: "Yuuko_K8s",
        pods: [{ name: "Yuuko_K8s-pod1", node: "Yuuko_K8s", address: "10.42.3.10" }],
      },
      ...rest,
    ],
  };
  const err = t.throws(() => renderTestPods(bad, { k8s: "kind" }), { instanceOf: LabError });
  t.regex(err?.message ?? "", /Yuuko_K8s-pod1.*Yuuko_K8s/);
});
