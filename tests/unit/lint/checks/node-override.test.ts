// node-override-unknown: a CiliumBGPNodeConfigOverride naming a node, instance or peer that does
// not exist is ignored by Cilium without a word.
import test from "ava";
import { nodeOverrideUnknown } from "../../../../lab/lint/checks/node-override.ts";
import { runCheck } from "../../../fixtures/lint/check.ts";

const FILE = "k8s/cilium/override.yaml";
const override = (node: string, body: string) => ({
  file: FILE,
  write: `apiVersion: cilium.io/v2\nkind: CiliumBGPNodeConfigOverride\nmetadata:\n  name: ${node}\nspec:\n  bgpInstances:\n${body}`,
});

test("the seed has no override, so no finding; a correct one gives none either", async (t) => {
  t.deepEqual((await runCheck(t, nodeOverrideUnknown)).found, []);
  const good = override(
    "yuuko-k8s",
    "    - name: instance-64514\n      routerID: 10.9.9.9\n      peers:\n        - name: router-home\n          localAddress: 192.168.0.81\n",
  );
  t.deepEqual((await runCheck(t, nodeOverrideUnknown, [good])).found, []);
});

test("an override named after no node: an error at metadata.name listing the nodes", async (t) => {
  const { found, line } = await runCheck(t, nodeOverrideUnknown, [
    override("yuko-k8s", "    - name: instance-64514\n      routerID: 10.9.9.9\n"),
  ]);
  t.deepEqual(found, [
    `error node-override-unknown ${FILE}:${line(FILE, "name: yuko-k8s")}: CiliumBGPNodeConfigOverride yuko-k8s names no node of the topology (nodes: yuuko-k8s, sakamoto, nano)`,
  ]);
});

test("an instance the node's ClusterConfig does not have, and a peer its instance does not have", async (t) => {
  const { found, line } = await runCheck(t, nodeOverrideUnknown, [
    override(
      "nano",
      "    - name: instance-64515\n      routerID: 10.9.9.9\n    - name: instance-64514\n      peers:\n        - name: router-home\n          localAddress: 192.168.6.81\n",
    ),
  ]);
  t.deepEqual(found, [
    `error node-override-unknown ${FILE}:${line(FILE, "name: instance-64515")}: override nano: instance "instance-64515" is not an instance of CiliumBGPClusterConfig cilium-bgp, which selects node nano (instances: instance-64514)`,
    `error node-override-unknown ${FILE}:${line(FILE, "name: router-home")}: override nano: instance instance-64514 has no peer "router-home" (peers: router-mine)`,
  ]);
});
