// family-without-advertisements and node-advertises-nothing: sessions that carry no pod CIDR.
// The loader refuses a lab whose nodes advertise nothing, so the mistakes are made in memory.
import test from "ava";
import {
  familyWithoutAdvertisements,
  nodeAdvertisesNothing,
} from "../../../../lab/lint/checks/cilium-advertise.ts";
import type { Lab } from "../../../../lab/topology/model.ts";
import { PEER_CONFIG, runCheck, TOPO } from "../../../fixtures/lint/check.ts";
import { reresolve } from "../../../fixtures/lint/lab-copy.ts";

function peerConfigSpec(lab: Lab): { families?: Record<string, unknown>[] } {
  const m = lab.cilium.find((x) => x.kind === "CiliumBGPPeerConfig");
  if (!m) throw new Error("no CiliumBGPPeerConfig");
  return m.spec as { families?: Record<string, unknown>[] };
}

const noSelector = (lab: Lab) => {
  delete peerConfigSpec(lab).families?.[0]?.advertisements;
  reresolve(lab);
};

test("family-without-advertisements: the ipv4 family without a selector warns at the family", async (t) => {
  t.deepEqual((await runCheck(t, familyWithoutAdvertisements)).found, []);
  const { found, line } = await runCheck(t, familyWithoutAdvertisements, [], noSelector);
  t.deepEqual(found, [
    `warn family-without-advertisements ${PEER_CONFIG}:${line(PEER_CONFIG, "- afi: ipv4")}: family ipv4/unicast of PeerConfig l3-bgp-peer-config has no advertisements selector`,
  ]);
});

test("family-without-advertisements: no families at all warns at the spec (its first field)", async (t) => {
  const { found, line } = await runCheck(t, familyWithoutAdvertisements, [], (lab) => {
    delete peerConfigSpec(lab).families;
    reresolve(lab);
  });
  t.deepEqual(found, [
    `warn family-without-advertisements ${PEER_CONFIG}:${line(PEER_CONFIG, "transport:")}: PeerConfig l3-bgp-peer-config lists no families: Cilium uses ipv4 and ipv6 unicast, neither with an advertisements selector`,
  ]);
});

test("node-advertises-nothing: sessions but no pod CIDR selected is an error at each node", async (t) => {
  t.deepEqual((await runCheck(t, nodeAdvertisesNothing)).found, []);
  const { found, line } = await runCheck(t, nodeAdvertisesNothing, [], noSelector);
  t.deepEqual(found, [
    `error node-advertises-nothing ${TOPO}:${line(TOPO, "- name: yuuko-k8s")}: node yuuko-k8s has BGP sessions but advertises no prefix (its pod CIDR 10.42.3.0/24 is selected by no family)`,
    `error node-advertises-nothing ${TOPO}:${line(TOPO, "- name: sakamoto")}: node sakamoto has BGP sessions but advertises no prefix (its pod CIDR 10.42.0.0/24 is selected by no family)`,
    `error node-advertises-nothing ${TOPO}:${line(TOPO, "- name: nano")}: node nano has BGP sessions but advertises no prefix (its pod CIDR 10.42.1.0/24 is selected by no family)`,
  ]);
});
