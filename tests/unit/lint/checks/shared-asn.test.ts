// nodes-share-asn: nodes speaking one ASN see each other's routes as AS-path loops.
import test from "ava";
import { nodesShareAsn } from "../../../../lab/lint/checks/shared-asn.ts";
import { NETWORKS, runCheck } from "../../../fixtures/lint/check.ts";

test("the seed: all three nodes speak AS 64514, an info at the first localASN", async (t) => {
  const { found, line } = await runCheck(t, nodesShareAsn);
  t.deepEqual(found, [
    `info nodes-share-asn ${NETWORKS}:${line(NETWORKS, "localASN: 64514")}: nodes yuuko-k8s, sakamoto, nano all speak AS 64514`,
  ]);
});

test("one ASN per ClusterConfig: mine's two nodes still share theirs, yuuko-k8s alone does not", async (t) => {
  const remote = "name: cilium-bgp-remote";
  const { found, line } = await runCheck(t, nodesShareAsn, [
    {
      file: NETWORKS,
      from: "localASN: 64514\n      peers:\n        - name: router-home",
      to: "localASN: 64516\n      peers:\n        - name: router-home",
    },
  ]);
  t.deepEqual(found, [
    `info nodes-share-asn ${NETWORKS}:${line(NETWORKS, "localASN: 64514")}: nodes sakamoto, nano all speak AS 64514`,
  ]);
  t.true(line(NETWORKS, "localASN: 64514") < line(NETWORKS, remote));
});
