import test from "ava";
import { pathAttributes, standardCommunity, WELL_KNOWN_COMMUNITIES } from "../../../lab/cilium/attributes.ts";
import { resolveNodeBgp } from "../../../lab/cilium/node-bgp.ts";
import { attributeArgs } from "../../../lab/gobgp/cli.ts";
import { originatedRoutes } from "../../../lab/render/gobgp.ts";
import type { CiliumManifest, NodeBgpInstance } from "../../../lab/topology/model.ts";

const source = { file: "t.yaml", line: 1, col: 1 };
const m = (kind: string, name: string, spec: Record<string, unknown>, labels?: Record<string, string>) =>
  ({
    apiVersion: "cilium.io/v2",
    kind,
    metadata: labels ? { name, labels } : { name },
    spec,
    source,
  }) as CiliumManifest;

test("standard communities: 4-byte decimal and high:low give the same high:low", (t) => {
  t.is(standardCommunity("4294967041"), "65535:65281");
  t.is(standardCommunity("65000:100"), "65000:100");
  t.is(standardCommunity("0"), "0:0");
});

test("well-known names map to the values the CRD documents", (t) => {
  t.is(WELL_KNOWN_COMMUNITIES["no-export"], "65535:65281");
  t.is(WELL_KNOWN_COMMUNITIES["no-advertise"], "65535:65282");
  t.is(WELL_KNOWN_COMMUNITIES.blackhole, "65535:666");
  t.is(Object.keys(WELL_KNOWN_COMMUNITIES).length, 14);
});

test("pathAttributes: standard and well-known merge, duplicates go; large and LOCAL_PREF kept", (t) => {
  t.deepEqual(
    pathAttributes({
      communities: { standard: ["65000:100", "4294967041"], wellKnown: ["no-export"], large: ["64514:1:2"] },
      localPreference: 200,
    }),
    { communities: ["65000:100", "65535:65281"], largeCommunities: ["64514:1:2"], localPreference: 200 },
  );
  t.deepEqual(pathAttributes(undefined), { communities: [], largeCommunities: [], localPreference: null });
});

test("attributeArgs: the gobgp CLI words, nothing when empty", (t) => {
  t.deepEqual(
    attributeArgs(
      pathAttributes({ communities: { standard: ["1:2", "3:4"], large: ["1:2:3"] }, localPreference: 50 }),
    ),
    ["community", "1:2,3:4", "large-community", "1:2:3", "local-pref", "50"],
  );
  t.deepEqual(attributeArgs(pathAttributes({})), []);
  t.deepEqual(attributeArgs(undefined), []);
});

const cluster = (peers: string[]) =>
  m("CiliumBGPClusterConfig", "cc", {
    bgpInstances: [
      {
        name: "i",
        localASN: 64514,
        peers: peers.map((p) => ({
          name: p,
          peerASN: 64513,
          peerAddress: "192.168.6.1",
          peerConfigRef: { name: p },
        })),
      },
    ],
  });
const peerConfig = (name: string, label: string) =>
  m("CiliumBGPPeerConfig", name, {
    families: [{ afi: "ipv4", safi: "unicast", advertisements: { matchLabels: { ad: label } } }],
  });
const ad = (name: string, label: string, attributes?: Record<string, unknown>) =>
  m(
    "CiliumBGPAdvertisement",
    name,
    { advertisements: [{ advertisementType: "PodCIDR", ...(attributes ? { attributes } : {}) }] },
    { ad: label },
  );
const node = { name: "n", address: "192.168.6.10", podCidr: "10.42.0.0/24", labels: {} };

function instance(manifests: CiliumManifest[]): NodeBgpInstance {
  return resolveNodeBgp(manifests, node)?.instances[0] as NodeBgpInstance;
}

test("the pod CIDR carries the selected advertisement's attributes", (t) => {
  const inst = instance([
    cluster(["a"]),
    peerConfig("a", "x"),
    ad("x", "x", { communities: { wellKnown: ["no-export"] } }),
  ]);
  t.deepEqual(originatedRoutes(inst), [
    {
      prefix: "10.42.0.0/24",
      attributes: { communities: ["65535:65281"], largeCommunities: [], localPreference: null },
      conflict: null,
    },
  ]);
});

test("without attributes the route is plain; the seed's shape is unchanged", (t) => {
  const inst = instance([cluster(["a"]), peerConfig("a", "x"), ad("x", "x")]);
  t.deepEqual(originatedRoutes(inst), [
    {
      prefix: "10.42.0.0/24",
      attributes: { communities: [], largeCommunities: [], localPreference: null },
      conflict: null,
    },
  ]);
  t.is(inst.peers[0]?.families[0]?.attributes, undefined);
});

test("two peers given different attributes for one prefix: a conflict naming both", (t) => {
  const inst = instance([
    cluster(["a", "b"]),
    peerConfig("a", "x"),
    peerConfig("b", "y"),
    ad("x", "x", { communities: { standard: ["1:1"] } }),
    ad("y", "y"),
  ]);
  const [r] = originatedRoutes(inst);
  t.regex(
    r?.conflict ?? "",
    /10\.42\.0\.0\/24 gets different attributes .*peer a ipv4-unicast, peer b ipv4-unicast/,
  );
});
