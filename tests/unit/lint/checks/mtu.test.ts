// mtu-below-pod-mtu: every hop of the pod path must carry a full 1500-byte pod packet.
import test from "ava";
import { mtuBelowPodMtu } from "../../../../lab/lint/checks/mtu.ts";
import { runCheck, TOPO } from "../../../fixtures/lint/check.ts";

test("ZeroTier at 1499 is below the pod MTU 1500: a warning at zerotier.mtu", async (t) => {
  const { found, line } = await runCheck(t, mtuBelowPodMtu, [
    { file: TOPO, from: "mtu: 2800", to: "mtu: 1499" },
  ]);
  t.deepEqual(found, [
    `warn mtu-below-pod-mtu ${TOPO}:${line(TOPO, "mtu: 1499")}: the MTU of ZeroTier (1499) is below the pod MTU 1500`,
  ]);
});

test("ZeroTier at exactly the pod MTU, or the seed's 2800, is no finding", async (t) => {
  t.deepEqual(
    (await runCheck(t, mtuBelowPodMtu, [{ file: TOPO, from: "mtu: 2800", to: "mtu: 1500" }])).found,
    [],
  );
  t.deepEqual((await runCheck(t, mtuBelowPodMtu)).found, []);
});
