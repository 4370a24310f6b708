// Both ends of every session: a neighbor that is nobody, a session configured on one side only,
// ASNs that disagree between bird.conf, the topology and the Cilium peers.
import test from "ava";
import {
  birdNodeSessionEnds,
  ciliumPeerSessionEnds,
  routerAsnMismatch,
  routerSessionEnds,
  unknownNeighbor,
} from "../../../../lab/lint/checks/session-ends.ts";
import type { Lab } from "../../../../lab/topology/model.ts";
import { HOME, MINE, NETWORKS, runCheck } from "../../../fixtures/lint/check.ts";
import { reresolve } from "../../../fixtures/lint/lab-copy.ts";

const CHECKS = [
  unknownNeighbor,
  routerSessionEnds,
  birdNodeSessionEnds,
  ciliumPeerSessionEnds,
  routerAsnMismatch,
];
const ROUTER_HOME_PROTOCOL =
  "protocol bgp router_home {\n  local as 64513;\n  neighbor 192.168.191.10 as 64515;\n  ipv4 {\n    import all;\n    export all;\n    next hop self;\n  };\n}\n";

function mineClusterPeer(lab: Lab): { peerASN: number } {
  const m = lab.cilium.find((x) => x.kind === "CiliumBGPClusterConfig" && x.metadata.name === "cilium-bgp");
  const spec = m?.spec as { bgpInstances: { peers: { peerASN: number }[] }[] } | undefined;
  const peer = spec?.bgpInstances[0]?.peers[0];
  if (!peer) throw new Error("no peer in cilium-bgp");
  return peer;
}

test("the seed passes every session-ends check", async (t) => {
  for (const check of CHECKS) t.deepEqual((await runCheck(t, check)).found, [], check.name);
});

test("bgp-unknown-neighbor: an address that is no node of the site is an error at the neighbor", async (t) => {
  const { found, line } = await runCheck(t, unknownNeighbor, [
    { file: MINE, from: "neighbor 192.168.6.81 as 64514;", to: "neighbor 192.168.6.82 as 64514;" },
  ]);
  t.deepEqual(found, [
    `error bgp-unknown-neighbor ${MINE}:${line(MINE, "neighbor 192.168.6.82")}: BGP protocol nano of router-mine: 192.168.6.82 is neither a router's ZeroTier address nor a node of site mine`,
  ]);
});

test("router sessions: one-sided is an error at the side that has it; a wrong router ASN at the neighbor", async (t) => {
  const oneSided = await runCheck(t, routerSessionEnds, [{ file: MINE, from: ROUTER_HOME_PROTOCOL, to: "" }]);
  t.deepEqual(oneSided.found, [
    `error router-session-one-sided ${HOME}:${oneSided.line(HOME, "neighbor 192.168.191.12")}: router-home peers with router-mine (192.168.191.12) in protocol router_mine, but router-mine's bird.conf has no BGP protocol with neighbor 192.168.191.10`,
  ]);
  const wrongAs = await runCheck(t, routerSessionEnds, [
    { file: HOME, from: "neighbor 192.168.191.12 as 64513;", to: "neighbor 192.168.191.12 as 64512;" },
  ]);
  t.deepEqual(wrongAs.found, [
    `error bgp-peer-asn-mismatch ${HOME}:${wrongAs.line(HOME, "neighbor 192.168.191.12")}: router-home's protocol router_mine expects router-mine in AS 64512, but router-mine speaks AS 64513`,
  ]);
});

test("BIRD's node sessions: a wrong node ASN is an error at the neighbor", async (t) => {
  const { found, line } = await runCheck(t, birdNodeSessionEnds, [
    { file: MINE, from: "neighbor 192.168.6.81 as 64514;", to: "neighbor 192.168.6.81 as 64515;" },
  ]);
  t.deepEqual(found, [
    `error bgp-peer-asn-mismatch ${MINE}:${line(MINE, "neighbor 192.168.6.81")}: router-mine's protocol nano expects nano in AS 64515, but nano speaks AS 64514`,
  ]);
});

test("Cilium's peers: a node the router has no protocol for, and a peerASN that is not the router's", async (t) => {
  const noProtocol = await runCheck(t, ciliumPeerSessionEnds, [
    { file: MINE, from: "protocol bgp nano from k8s {\n  neighbor 192.168.6.81 as 64514;\n}\n", to: "" },
  ]);
  t.deepEqual(noProtocol.found, [
    `error cilium-peer-without-bird-session ${NETWORKS}:${noProtocol.line(NETWORKS, "peerAddress: 192.168.6.1")}: node nano dials router-mine (192.168.6.1) but its bird.conf has no BGP protocol with that neighbor (192.168.6.81)`,
  ]);
  const wrongAs = await runCheck(t, ciliumPeerSessionEnds, [], (lab) => {
    mineClusterPeer(lab).peerASN = 64512;
    reresolve(lab);
  });
  t.deepEqual(wrongAs.found, [
    `error bgp-peer-asn-mismatch ${NETWORKS}:${wrongAs.line(NETWORKS, "peerASN: 64513")}: peerASN 64512 of nodes sakamoto, nano does not match router-mine's local as 64513 in its bird.conf`,
  ]);
});

test("router-asn-mismatch: bird.conf's local as differs from the topology's asn", async (t) => {
  const { found, line } = await runCheck(t, routerAsnMismatch, [
    {
      file: MINE,
      from: "protocol bgp router_home {\n  local as 64513;",
      to: "protocol bgp router_home {\n  local as 64512;",
    },
  ]);
  t.deepEqual(found, [
    `error router-asn-mismatch ${MINE}:${line(MINE, "local as 64512")}: local as 64512 (protocols router_home) differs from router-mine's asn 64513 in the topology`,
  ]);
});
