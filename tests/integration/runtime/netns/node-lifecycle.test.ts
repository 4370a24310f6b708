// The Kubernetes node lifecycle across a WAN outage: with ZeroTier cut, yuuko-k8s's kubelet
// heartbeats (from its own namespace) no longer reach the control plane on sakamoto, which marks
// it NotReady after the grace period and Ready again on the first heartbeat after the heal. A
// 15 s grace period (the topology setting) keeps the test short; the defaults are unit-tested.
import test from "ava";
import type { LabHandle } from "../../../../lab/runtime/kind.ts";
import { netnsKind } from "../../../../lab/runtime/netns/kind.ts";
import { checkExpectation } from "../../../../lab/scenario/expects.ts";
import { applyFault } from "../../../../lab/scenario/faults.ts";
import { waitFor } from "../../../../lab/util/wait.ts";
import { useSeedLab } from "../../../helpers/lab-fixture.ts";
import { integrationTests, netnsUnavailable } from "../../../helpers/root.ts";

const why = netnsUnavailable();
const t = integrationTests("node-lifecycle", why);
const seed = useSeedLab("lf1", why);
const GRACE_MS = 15_000;
let h: LabHandle;

test.before(async () => {
  if (why) return;
  const lab = await seed.ready;
  h = netnsKind.open({
    ...lab,
    cluster: { ...lab.cluster, nodeLifecycle: { gracePeriodMs: GRACE_MS, tolerationMs: 300_000 } },
  });
  await h.up({ budgetMs: 90_000 });
});

const expectNode = (ready: boolean, budgetMs: number, what: string) =>
  waitFor(async () => checkExpectation(h, { kind: "node", name: "yuuko-k8s", ready }), {
    what,
    budgetMs,
    intervalMs: 1000,
  });

t(
  "yuuko-k8s goes NotReady within the grace period of a ZeroTier cut and Ready after the heal",
  async (tt) => {
    // Registered by its first heartbeat that crossed (the lab may converge after its first beat).
    await expectNode(true, 15_000, "yuuko-k8s registered and Ready");
    const cut = Date.now();
    await applyFault(h, { kind: "link", action: "down" });
    // Its last beat may be up to 10 s before the cut, the controller looks every 5 s, and a 2-core
    // machine under load adds a little: the budget is the grace period plus both, and some.
    await expectNode(false, GRACE_MS + 5_000 + 10_000, "yuuko-k8s NotReady after the cut");
    const notReadyS = (Date.now() - cut) / 1000;
    const nodes = (await h.clusterNodes?.()) ?? [];
    tt.true(
      nodes.find((n) => n.name === "sakamoto")?.ready,
      "the control-plane node's own heartbeats still arrive",
    );
    tt.true(nodes.find((n) => n.name === "nano")?.ready, "a node on the control plane's site stays Ready");
    const yuuko = nodes.find((n) => n.name === "yuuko-k8s");
    tt.is(
      yuuko?.evictionDueAt,
      (yuuko?.transitionAt ?? 0) + 300_000,
      "eviction is due a toleration after NotReady",
    );
    await applyFault(h, { kind: "link", action: "up" });
    // The next heartbeat crosses once BGP is back (hold timer, then the redial) or at once if it never went.
    await expectNode(true, 60_000, "yuuko-k8s Ready again after the heal");
    tt.log(
      `NotReady seen ${notReadyS.toFixed(1)} s after the cut; Ready ${((Date.now() - cut) / 1000).toFixed(1)} s after it`,
    );
  },
);
