import test from "ava";
import {
  type NodeIdentity,
  originatedPrefixes,
  resolveNodeBgp,
  selectingClusterConfigs,
} from "../../../lab/cilium/node-bgp.ts";
import type { CiliumManifest, NodeBgp, NodePeer } from "../../../lab/topology/model.ts";

const source = { file: "test.yaml", line: 1, col: 1 };

function manifest(
  kind: string,
  name: string,
  spec: Record<string, unknown>,
  labels?: Record<string, string>,
): CiliumManifest {
  return {
    apiVersion: "cilium.io/v2",
    kind,
    metadata: labels ? { name, labels } : { name },
    spec,
    source,
  };
}

function clusterConfig(
  name: string,
  nodeSelector: unknown,
  peers: Record<string, unknown>[],
  instance: Record<string, unknown> = {},
): CiliumManifest {
  return manifest("CiliumBGPClusterConfig", name, {
    ...(nodeSelector === undefined ? {} : { nodeSelector }),
    bgpInstances: [{ name: "instance-64514", localASN: 64514, ...instance, peers }],
  });
}

const ref = (name: string) => ({ peerConfigRef: { name } });

// The seed's objects (configs/k8s/cilium), written out here so the test does not depend on files.
const seedMine = clusterConfig(
  "cilium-bgp",
  { matchExpressions: [{ key: "node-type", operator: "NotIn", values: ["remote"] }] },
  [{ name: "router-mine", peerASN: 64513, peerAddress: "192.168.6.1", ...ref("l3-bgp-peer-config") }],
);
const seedRemote = clusterConfig("cilium-bgp-remote", { matchLabels: { "node-type": "remote" } }, [
  { name: "router-home", peerASN: 64515, peerAddress: "192.168.0.1", ...ref("l3-bgp-peer-config") },
]);
const peerConfig = (spec: Record<string, unknown>, name = "l3-bgp-peer-config") =>
  manifest("CiliumBGPPeerConfig", name, spec);
const seedPeerConfig = peerConfig({
  transport: { peerPort: 179 },
  timers: { connectRetryTimeSeconds: 120, holdTimeSeconds: 90, keepAliveTimeSeconds: 30 },
  ebgpMultihop: 1,
  gracefulRestart: { enabled: false, restartTimeSeconds: 120 },
  families: [{ afi: "ipv4", safi: "unicast", advertisements: { matchLabels: { advertise: "pod-cidr" } } }],
});
const podCidrAdvertisement = manifest(
  "CiliumBGPAdvertisement",
  "pod-cidr",
  { advertisements: [{ advertisementType: "PodCIDR" }] },
  { advertise: "pod-cidr" },
);
const seed = [podCidrAdvertisement, seedMine, seedRemote, seedPeerConfig];

const yuuko: NodeIdentity = {
  name: "yuuko-k8s",
  address: "192.168.0.81",
  podCidr: "10.42.3.0/24",
  labels: { "node-type": "remote" },
};
const sakamoto: NodeIdentity = {
  name: "sakamoto",
  address: "192.168.6.80",
  podCidr: "10.42.0.0/24",
  labels: {},
};

function onlyPeer(bgp: NodeBgp | null): NodePeer {
  const peers = bgp?.instances.flatMap((i) => i.peers) ?? [];
  if (peers.length !== 1) throw new Error(`expected one peer, got ${peers.length}`);
  return peers[0] as NodePeer;
}

test("seed: the remote-labelled node peers with Router-Home 192.168.0.1 AS 64515", (t) => {
  const bgp = resolveNodeBgp(seed, yuuko);
  t.is(bgp?.clusterConfig, "cilium-bgp-remote");
  t.deepEqual(bgp?.skipped, []);
  t.is(bgp?.instances.length, 1);
  const inst = bgp?.instances[0];
  t.is(inst?.name, "instance-64514");
  t.is(inst?.localASN, 64514);
  t.is(inst?.localPort, null, "no localPort: the speaker only dials out");
  t.is(inst?.routerId, "192.168.0.81", "router id = node InternalIP");
  const peer = onlyPeer(bgp);
  t.is(peer.name, "router-home");
  t.is(peer.peerAddress, "192.168.0.1");
  t.is(peer.peerASN, 64515);
  t.is(peer.peerConfig, "l3-bgp-peer-config");
  t.deepEqual(peer.families, [{ afi: "ipv4", safi: "unicast", advertised: ["10.42.3.0/24"] }]);
  t.deepEqual(originatedPrefixes(bgp), ["10.42.3.0/24"]);
});

test("seed: a node without labels falls to the NotIn selector and peers with Router-Mine", (t) => {
  const bgp = resolveNodeBgp(seed, sakamoto);
  t.is(bgp?.clusterConfig, "cilium-bgp");
  const peer = onlyPeer(bgp);
  t.is(peer.peerAddress, "192.168.6.1");
  t.is(peer.peerASN, 64513);
  t.deepEqual(originatedPrefixes(bgp), ["10.42.0.0/24"]);
});

test("a node no ClusterConfig selects runs no speaker", (t) => {
  t.is(resolveNodeBgp([seedRemote, seedPeerConfig, podCidrAdvertisement], sakamoto), null);
  t.deepEqual(originatedPrefixes(null), []);
});

test("two ClusterConfigs select the node: the first in manifest order owns it", (t) => {
  const all = clusterConfig("all-nodes", {}, [{ name: "x", peerASN: 1, peerAddress: "10.0.0.1" }]);
  t.deepEqual(
    selectingClusterConfigs([all, ...seed], yuuko.labels).map((m) => m.metadata.name),
    ["all-nodes", "cilium-bgp-remote"],
  );
  t.is(resolveNodeBgp([all, ...seed], yuuko)?.clusterConfig, "all-nodes");
  t.is(resolveNodeBgp([...seed, all], yuuko)?.clusterConfig, "cilium-bgp-remote");
});

test("nil and empty nodeSelector select every node; other kinds never select", (t) => {
  const nil = clusterConfig("nil", undefined, []);
  const empty = clusterConfig("empty", {}, []);
  t.is(resolveNodeBgp([nil], yuuko)?.clusterConfig, "nil");
  t.is(resolveNodeBgp([empty], sakamoto)?.clusterConfig, "empty");
  t.deepEqual(selectingClusterConfigs([seedPeerConfig, podCidrAdvertisement], {}), []);
});

test("peerConfigRef naming a missing PeerConfig: the peer is skipped with the reason", (t) => {
  const cc = clusterConfig("cc", {}, [
    { name: "router-mine", peerASN: 64513, peerAddress: "192.168.6.1", ...ref("nope") },
    { name: "good", peerASN: 64513, peerAddress: "192.168.6.2", ...ref("l3-bgp-peer-config") },
  ]);
  const bgp = resolveNodeBgp([cc, seedPeerConfig, podCidrAdvertisement], sakamoto);
  t.deepEqual(bgp?.skipped, [
    {
      instance: "instance-64514",
      peer: "router-mine",
      reason: 'CiliumBGPPeerConfig "nope" does not exist',
    },
  ]);
  t.deepEqual(
    bgp?.instances[0]?.peers.map((p) => p.name),
    ["good"],
  );
});

test("a PeerConfig of the same name but another kind does not satisfy peerConfigRef", (t) => {
  const cc = clusterConfig("cc", {}, [
    { name: "p", peerASN: 1, peerAddress: "10.0.0.1", ...ref("pod-cidr") },
  ]);
  const bgp = resolveNodeBgp([cc, podCidrAdvertisement], sakamoto);
  t.is(bgp?.skipped.length, 1);
  t.is(bgp?.instances[0]?.peers.length, 0);
});

test("a peer without peerAddress is skipped", (t) => {
  const cc = clusterConfig("cc", {}, [{ name: "p", peerASN: 1, ...ref("l3-bgp-peer-config") }]);
  const bgp = resolveNodeBgp([cc, seedPeerConfig], sakamoto);
  t.deepEqual(bgp?.skipped, [{ instance: "instance-64514", peer: "p", reason: "no peerAddress" }]);
});

test("no peerConfigRef: session with Cilium's defaults, ipv4+ipv6 unicast, advertising nothing", (t) => {
  const cc = clusterConfig("cc", {}, [{ name: "bare", peerASN: 64513, peerAddress: "192.168.6.1" }]);
  const bgp = resolveNodeBgp([cc, podCidrAdvertisement, seedPeerConfig], sakamoto);
  t.deepEqual(bgp?.skipped, []);
  t.deepEqual(onlyPeer(bgp), {
    name: "bare",
    peerAddress: "192.168.6.1",
    peerASN: 64513,
    peerPort: 179,
    peerConfig: null,
    timers: { connectRetrySeconds: 120, holdSeconds: 90, keepaliveSeconds: 30 },
    ebgpMultihop: 1,
    gracefulRestart: { enabled: false, restartSeconds: 120 },
    auth: null,
    localAddress: null,
    families: [
      { afi: "ipv4", safi: "unicast", advertised: [] },
      { afi: "ipv6", safi: "unicast", advertised: [] },
    ],
  });
  t.deepEqual(originatedPrefixes(bgp), []);
});

test("PeerConfig without timers, GR or transport: Cilium's defaults (hold 90, keepalive 30, retry 120, restart 120)", (t) => {
  const bgp = resolveNodeBgp(
    [
      seedMine,
      peerConfig({ families: [{ afi: "ipv4", safi: "unicast", advertisements: {} }] }),
      podCidrAdvertisement,
    ],
    sakamoto,
  );
  const peer = onlyPeer(bgp);
  t.deepEqual(peer.timers, { connectRetrySeconds: 120, holdSeconds: 90, keepaliveSeconds: 30 });
  t.deepEqual(peer.gracefulRestart, { enabled: false, restartSeconds: 120 });
  t.is(peer.peerPort, 179);
  t.is(peer.ebgpMultihop, 1);
});

test("timers, transport, multihop and graceful restart are taken from the PeerConfig", (t) => {
  const pc = peerConfig({
    transport: { peerPort: 1179 },
    timers: { connectRetryTimeSeconds: 5, holdTimeSeconds: 9, keepAliveTimeSeconds: 3 },
    ebgpMultihop: 4,
    gracefulRestart: { enabled: true, restartTimeSeconds: 30 },
    families: [{ afi: "ipv4", safi: "unicast", advertisements: { matchLabels: { advertise: "pod-cidr" } } }],
  });
  const peer = onlyPeer(resolveNodeBgp([seedMine, pc, podCidrAdvertisement], sakamoto));
  t.is(peer.peerPort, 1179);
  t.deepEqual(peer.timers, { connectRetrySeconds: 5, holdSeconds: 9, keepaliveSeconds: 3 });
  t.is(peer.ebgpMultihop, 4);
  t.deepEqual(peer.gracefulRestart, { enabled: true, restartSeconds: 30 });
});

test("partial settings: only the given timer changes, GR enabled keeps the default restart time", (t) => {
  const pc = peerConfig({ timers: { holdTimeSeconds: 30 }, gracefulRestart: { enabled: true } });
  const peer = onlyPeer(resolveNodeBgp([seedMine, pc], sakamoto));
  t.deepEqual(peer.timers, { connectRetrySeconds: 120, holdSeconds: 30, keepaliveSeconds: 30 });
  t.deepEqual(peer.gracefulRestart, { enabled: true, restartSeconds: 120 });
});

test("a family without an advertisements selector advertises nothing", (t) => {
  const pc = peerConfig({ families: [{ afi: "ipv4", safi: "unicast" }] });
  const bgp = resolveNodeBgp([seedMine, pc, podCidrAdvertisement], sakamoto);
  t.deepEqual(onlyPeer(bgp).families, [{ afi: "ipv4", safi: "unicast", advertised: [] }]);
  t.deepEqual(originatedPrefixes(bgp), []);
});

test("a PeerConfig without families: ipv4+ipv6 unicast, neither advertises", (t) => {
  const bgp = resolveNodeBgp([seedMine, peerConfig({}), podCidrAdvertisement], sakamoto);
  t.deepEqual(onlyPeer(bgp).families, [
    { afi: "ipv4", safi: "unicast", advertised: [] },
    { afi: "ipv6", safi: "unicast", advertised: [] },
  ]);
});

test("advertisements: {} selects every CiliumBGPAdvertisement, labelled or not", (t) => {
  const unlabelled = manifest("CiliumBGPAdvertisement", "anon", {
    advertisements: [{ advertisementType: "PodCIDR" }],
  });
  const pc = peerConfig({ families: [{ afi: "ipv4", safi: "unicast", advertisements: {} }] });
  t.deepEqual(originatedPrefixes(resolveNodeBgp([seedMine, pc, unlabelled], sakamoto)), ["10.42.0.0/24"]);
  t.deepEqual(originatedPrefixes(resolveNodeBgp([seedMine, pc, podCidrAdvertisement], sakamoto)), [
    "10.42.0.0/24",
  ]);
});

test("a selector matching no advertisement, or only non-PodCIDR ones, advertises nothing", (t) => {
  const service = manifest(
    "CiliumBGPAdvertisement",
    "svc",
    { advertisements: [{ advertisementType: "Service" }] },
    { advertise: "svc" },
  );
  const pc = (labels: Record<string, string>) =>
    peerConfig({ families: [{ afi: "ipv4", safi: "unicast", advertisements: { matchLabels: labels } }] });
  t.deepEqual(
    originatedPrefixes(
      resolveNodeBgp([seedMine, pc({ advertise: "other" }), podCidrAdvertisement], sakamoto),
    ),
    [],
  );
  t.deepEqual(
    originatedPrefixes(resolveNodeBgp([seedMine, pc({ advertise: "svc" }), service], sakamoto)),
    [],
  );
});

test("the PodCIDR advertisement goes only on the family of the node's address family", (t) => {
  const pc = peerConfig({
    families: [
      { afi: "ipv4", safi: "unicast", advertisements: {} },
      { afi: "ipv6", safi: "unicast", advertisements: {} },
      { afi: "ipv4", safi: "multicast", advertisements: {} },
    ],
  });
  t.deepEqual(onlyPeer(resolveNodeBgp([seedMine, pc, podCidrAdvertisement], sakamoto)).families, [
    { afi: "ipv4", safi: "unicast", advertised: ["10.42.0.0/24"] },
    { afi: "ipv6", safi: "unicast", advertised: [] },
    { afi: "ipv4", safi: "multicast", advertised: [] },
  ]);
  const v6node = { ...sakamoto, podCidr: "fd00:10:42::/64" };
  t.deepEqual(
    onlyPeer(resolveNodeBgp([seedMine, pc, podCidrAdvertisement], v6node)).families.map((f) => f.advertised),
    [[], ["fd00:10:42::/64"], []],
  );
});

test("localPort is carried when set, null when absent; missing localASN/peerASN read as 0", (t) => {
  const withPort = clusterConfig("cc", {}, [{ name: "p", peerAddress: "192.168.6.1" }], { localPort: 1790 });
  const bgp = resolveNodeBgp([withPort], sakamoto);
  t.is(bgp?.instances[0]?.localPort, 1790);
  t.is(onlyPeer(bgp).peerASN, 0, "peerASN 0 = learn the AS from the peer's OPEN");
  const noAsn = manifest("CiliumBGPClusterConfig", "cc", { bgpInstances: [{ name: "i" }] });
  t.deepEqual(resolveNodeBgp([noAsn], sakamoto)?.instances, [
    { name: "i", localASN: 0, localPort: null, routerId: "192.168.6.80", peers: [] },
  ]);
});

test("originatedPrefixes deduplicates across peers and instances", (t) => {
  const cc = manifest("CiliumBGPClusterConfig", "cc", {
    bgpInstances: [
      {
        name: "a",
        localASN: 64514,
        peers: [
          { name: "p1", peerAddress: "192.168.6.1", ...ref("l3-bgp-peer-config") },
          { name: "p2", peerAddress: "192.168.6.2", ...ref("l3-bgp-peer-config") },
        ],
      },
      {
        name: "b",
        localASN: 64600,
        peers: [{ name: "p3", peerAddress: "192.168.6.3", ...ref("l3-bgp-peer-config") }],
      },
    ],
  });
  const bgp = resolveNodeBgp([cc, seedPeerConfig, podCidrAdvertisement], sakamoto);
  t.is(bgp?.instances.length, 2);
  t.deepEqual(originatedPrefixes(bgp), ["10.42.0.0/24"]);
});
