// Which nodes run a speaker and whom they dial: one ClusterConfig per node, every peer resolvable,
// every peer the router of the node's LAN. The loader refuses these, so they are made in memory.
import test from "ava";
import {
  ciliumPeerOffLan,
  nodeConflictingClusterConfig,
  nodeWithoutClusterConfig,
  skippedPeers,
} from "../../../../lab/lint/checks/cilium-selection.ts";
import { createContext } from "../../../../lab/lint/context.ts";
import { loadLab } from "../../../../lab/topology/load.ts";
import type { Lab } from "../../../../lab/topology/model.ts";
import { NETWORKS, runCheck, TOPO } from "../../../fixtures/lint/check.ts";
import { reresolve } from "../../../fixtures/lint/lab-copy.ts";

interface Spec {
  nodeSelector?: unknown;
  bgpInstances: { peers: { peerAddress: string; peerConfigRef: { name: string } }[] }[];
}

function spec(lab: Lab, name: string): Spec {
  const m = lab.cilium.find((x) => x.kind === "CiliumBGPClusterConfig" && x.metadata.name === name);
  if (!m) throw new Error(`no ClusterConfig ${name}`);
  return m.spec as unknown as Spec;
}
const firstPeer = (lab: Lab, name: string) =>
  spec(lab, name).bgpInstances[0]?.peers[0] as Spec["bgpInstances"][0]["peers"][0];

test("the seed passes every selection check", async (t) => {
  for (const check of [
    nodeWithoutClusterConfig,
    nodeConflictingClusterConfig,
    skippedPeers,
    ciliumPeerOffLan,
  ])
    t.deepEqual((await runCheck(t, check)).found, [], check.name);
});

test("node-without-clusterconfig: a selector matching none of mine's nodes is an error at each node", async (t) => {
  const { found, line } = await runCheck(t, nodeWithoutClusterConfig, [], (lab) => {
    spec(lab, "cilium-bgp").nodeSelector = { matchLabels: { "node-type": "local" } };
    reresolve(lab);
  });
  t.deepEqual(found, [
    `error node-without-clusterconfig ${TOPO}:${line(TOPO, "- name: sakamoto")}: node sakamoto (no labels) is selected by no CiliumBGPClusterConfig`,
    `error node-without-clusterconfig ${TOPO}:${line(TOPO, "- name: nano")}: node nano (no labels) is selected by no CiliumBGPClusterConfig`,
  ]);
});

test("node-conflicting-clusterconfig: two selecting ClusterConfigs is an error at each node", async (t) => {
  const { found, line } = await runCheck(t, nodeConflictingClusterConfig, [], (lab) => {
    spec(lab, "cilium-bgp-remote").nodeSelector = {};
  });
  t.deepEqual(found, [
    `error node-conflicting-clusterconfig ${TOPO}:${line(TOPO, "- name: sakamoto")}: node sakamoto (no labels) is selected by 2 CiliumBGPClusterConfigs: cilium-bgp, cilium-bgp-remote`,
    `error node-conflicting-clusterconfig ${TOPO}:${line(TOPO, "- name: nano")}: node nano (no labels) is selected by 2 CiliumBGPClusterConfigs: cilium-bgp, cilium-bgp-remote`,
  ]);
});

test("node-conflicting-clusterconfig: which ClusterConfig wins is creation order, so lint says it is ambiguous", async (t) => {
  const lab = await loadLab();
  spec(lab, "cilium-bgp-remote").nodeSelector = {};
  const f = nodeConflictingClusterConfig(createContext(lab))[0];
  t.regex(
    f?.consequence ?? "",
    /^ambiguous: the ClusterConfig that first created the node's CiliumBGPNodeConfig keeps it/,
  );
  t.regex(f?.consequence ?? "", /cilium\.io\/ConflictingClusterConfig/);
  t.regex(f?.consequence ?? "", /cilium-bgp or cilium-bgp-remote may apply/);
  t.notRegex(f?.consequence ?? "", /applies only the first/);
});

test("peer-config-missing: a peerConfigRef to no PeerConfig is an error at the reference", async (t) => {
  const { found, line } = await runCheck(t, skippedPeers, [], (lab) => {
    firstPeer(lab, "cilium-bgp").peerConfigRef.name = "l3-bgp-peer-cfg";
    reresolve(lab);
  });
  t.is(found.length, 1);
  t.true(
    (found[0] ?? "").startsWith(
      `error peer-config-missing ${NETWORKS}:${line(NETWORKS, "name: l3-bgp-peer-config")}: peer router-mine of ClusterConfig cilium-bgp is skipped for nodes sakamoto, nano: `,
    ),
    found[0],
  );
  t.regex(found[0] ?? "", /l3-bgp-peer-cfg/);
});

test("cilium-peer-off-lan and cilium-peer-not-router: a peer no router of the node's LAN answers", async (t) => {
  const off = await runCheck(t, ciliumPeerOffLan, [], (lab) => {
    const nano = lab.nodes.find((n) => n.name === "nano");
    if (nano) nano.labels = { "node-type": "remote" };
    reresolve(lab);
  });
  t.deepEqual(off.found, [
    `error cilium-peer-off-lan ${NETWORKS}:${off.line(NETWORKS, "peerAddress: 192.168.0.1")}: node nano (site mine) would peer with 192.168.0.1, outside its LAN 192.168.6.0/24`,
  ]);
  const notRouter = await runCheck(t, ciliumPeerOffLan, [], (lab) => {
    firstPeer(lab, "cilium-bgp-remote").peerAddress = "192.168.0.2";
    reresolve(lab);
  });
  t.deepEqual(notRouter.found, [
    `error cilium-peer-not-router ${NETWORKS}:${notRouter.line(NETWORKS, "peerAddress: 192.168.0.1")}: node yuuko-k8s (site home) would peer with 192.168.0.2, on its LAN 192.168.0.0/24 but not its router`,
  ]);
});
