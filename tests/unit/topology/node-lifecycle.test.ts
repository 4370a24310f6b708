// The node lifecycle timers: upstream's defaults unless the topology sets them.
import test from "ava";
import { loadLab } from "../../../lab/topology/load.ts";
import { labNodeLifecycle, nodeLifecycle } from "../../../lab/topology/node-lifecycle.ts";

test("defaults: 50 s grace (Kubernetes 1.32+), 300 s not-ready toleration", async (t) => {
  const lab = await loadLab();
  t.deepEqual(labNodeLifecycle(lab.cluster), { gracePeriodMs: 50_000, tolerationMs: 300_000 });
  t.deepEqual(labNodeLifecycle({}), { gracePeriodMs: 50_000, tolerationMs: 300_000 });
});

test("the topology's settings are taken as durations", (t) => {
  t.deepEqual(nodeLifecycle({ nodeMonitorGracePeriod: "15s", notReadyToleration: "1m" }), {
    gracePeriodMs: 15_000,
    tolerationMs: 60_000,
  });
});
