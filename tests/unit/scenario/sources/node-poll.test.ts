// Node readiness changes between two reads of the control plane, at the control plane's times.
import test from "ava";
import type { ClusterNode } from "../../../../lab/runtime/kind.ts";
import { nodeChanges } from "../../../../lab/scenario/sources/node-poll.ts";

const node = (ready: boolean, transitionAt: number, evicted: ClusterNode["evicted"] = []): ClusterNode => ({
  name: "yuuko-k8s",
  role: "worker",
  ready,
  registeredAt: 0,
  transitionAt,
  evictionDueAt: ready ? null : transitionAt + 300_000,
  evicted,
  pods: ["p1", "p2"],
});

test("the first read is a baseline; a change is dated when the control plane made it", (t) => {
  t.deepEqual(nodeChanges(null, [node(false, 5)]), []);
  t.deepEqual(nodeChanges([node(true, 0)], [node(true, 0)]), []);
  t.like(nodeChanges([node(true, 0)], [node(false, 55_000)])[0], { t: 55_000, change: "notready" });
  t.like(nodeChanges([node(false, 55_000)], [node(true, 70_000)])[0], { t: 70_000, change: "ready" });
});

test("evictions are one event per read, at the first eviction's time", (t) => {
  const evicted = [
    { pod: "p1", at: 355_000 },
    { pod: "p2", at: 355_000 },
  ];
  const out = nodeChanges([node(false, 55_000)], [node(false, 55_000, evicted)]);
  t.deepEqual(out, [
    {
      t: 355_000,
      kind: "node",
      node: "yuuko-k8s",
      change: "evicted",
      detail: "p1, p2",
      source: "control-plane",
    },
  ]);
  t.deepEqual(nodeChanges([node(false, 55_000, evicted)], [node(false, 55_000, evicted)]), []);
});
