// The node lifecycle controller stand-in: NotReady after the grace period, eviction after the
// toleration, Ready again on the next heartbeat.
import test from "ava";
import { ControlPlane } from "../../../lab/emulate/control-plane.ts";

const beat = (node: string) => JSON.stringify({ node, role: "worker", pods: [`${node}-pod1`] });

test("a node is NotReady once no heartbeat came for the grace period, and its pods are evicted after the toleration", (t) => {
  const cp = new ControlPlane(50_000, 300_000);
  t.true(cp.heartbeat(beat("yuuko-k8s"), 0));
  cp.monitor(50_000);
  t.true(cp.view(50_000).nodes[0]?.ready, "exactly the grace period is still Ready");
  cp.monitor(55_000);
  const down = cp.view(55_000).nodes[0];
  t.false(down?.ready);
  t.is(down?.transitionAt, 55_000);
  t.is(down?.evictionDueAt, 355_000);
  cp.monitor(354_999);
  t.deepEqual(cp.view(354_999).nodes[0]?.evicted, []);
  cp.monitor(355_000);
  t.deepEqual(cp.view(355_000).nodes[0]?.evicted, [{ pod: "yuuko-k8s-pod1", at: 355_000 }]);
  cp.heartbeat(beat("yuuko-k8s"), 360_000);
  const back = cp.view(360_000).nodes[0];
  t.true(back?.ready);
  t.is(back?.evictionDueAt, null);
  t.is(back?.evicted.length, 1, "evicted pods stay evicted");
});

test("what is not a heartbeat registers nothing", (t) => {
  const cp = new ControlPlane(50_000, 300_000);
  t.false(cp.heartbeat("not json", 0));
  t.false(cp.heartbeat(JSON.stringify({ node: "x" }), 0));
  t.deepEqual(cp.view(0).nodes, []);
});
