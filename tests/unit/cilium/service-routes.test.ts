import test from "ava";
import {
  originatedPrefixes,
  originatedServicePrefixes,
  resolveNodeBgp,
} from "../../../lab/cilium/node-bgp.ts";
import {
  type AdvertisementEntry,
  serviceLabelSet,
  servicePrefixes,
  serviceRoutes,
} from "../../../lab/cilium/service-routes.ts";
import { originatedRoutes } from "../../../lab/render/gobgp.ts";
import { loadLab } from "../../../lab/topology/load.ts";
import type { CiliumManifest, LbService } from "../../../lab/topology/model.ts";

const SRC = { file: "topology.yaml", line: 1, col: 1 };

const svc = (over: Partial<LbService> = {}): LbService => ({
  name: "web",
  namespace: "default",
  labels: { app: "web" },
  loadBalancerIPs: ["10.99.0.10"],
  externalIPs: [],
  externalTrafficPolicy: "Cluster",
  backends: [{ pod: "nano-pod1", node: "nano", address: "10.42.1.10" }],
  source: SRC,
  ...over,
});

const lbAd = (selector: AdvertisementEntry["selector"], extra: Partial<AdvertisementEntry> = {}) => ({
  advertisementType: "Service",
  service: { addresses: ["LoadBalancerIP"] },
  selector,
  ...extra,
});

test("the selector sees the Service's labels plus its name and namespace, as Cilium adds them", (t) => {
  t.deepEqual(serviceLabelSet(svc()), {
    app: "web",
    "io.kubernetes.service.name": "web",
    "io.kubernetes.service.namespace": "default",
  });
  const byName = lbAd({ matchLabels: { "io.kubernetes.service.name": "web" } });
  t.deepEqual(servicePrefixes(byName, svc(), "nano"), ["10.99.0.10/32"]);
  t.deepEqual(servicePrefixes(byName, svc({ name: "api" }), "nano"), []);
});

test("no selector or no service block selects nothing; {} and the NotIn idiom select every Service", (t) => {
  t.deepEqual(servicePrefixes(lbAd(undefined), svc(), "nano"), []);
  t.deepEqual(servicePrefixes({ advertisementType: "Service", selector: {} }, svc(), "nano"), []);
  t.deepEqual(servicePrefixes(lbAd({}), svc(), "nano"), ["10.99.0.10/32"]);
  const notIn = lbAd({ matchExpressions: [{ key: "somekey", operator: "NotIn", values: ["never-used"] }] });
  t.deepEqual(servicePrefixes(notIn, svc({ labels: {} }), "nano"), ["10.99.0.10/32"]);
  t.deepEqual(servicePrefixes({ ...lbAd({}), advertisementType: "PodCIDR" }, svc(), "nano"), []);
});

test("externalTrafficPolicy Local: only a node with a local backend advertises; Cluster: every node", (t) => {
  const ad = lbAd({});
  const local = svc({ externalTrafficPolicy: "Local" });
  t.deepEqual(servicePrefixes(ad, local, "nano"), ["10.99.0.10/32"]);
  t.deepEqual(servicePrefixes(ad, local, "sakamoto"), []);
  t.deepEqual(servicePrefixes(ad, svc(), "sakamoto"), ["10.99.0.10/32"]);
});

test("address types: LoadBalancerIP gives the ingress IPs, ExternalIP the external IPs", (t) => {
  const s = svc({ externalIPs: ["10.99.1.1"] });
  t.deepEqual(servicePrefixes(lbAd({}), s, "nano"), ["10.99.0.10/32"]);
  const ext = lbAd({}, { service: { addresses: ["ExternalIP"] } });
  t.deepEqual(servicePrefixes(ext, s, "nano"), ["10.99.1.1/32"]);
  const both = lbAd({}, { service: { addresses: ["LoadBalancerIP", "ExternalIP"] } });
  t.deepEqual(servicePrefixes(both, s, "nano"), ["10.99.0.10/32", "10.99.1.1/32"]);
});

test("each advertisement selecting a Service address contributes its attributes", (t) => {
  const a = lbAd({}, { attributes: { communities: { standard: ["64514:200"] } } });
  const b = lbAd({ matchLabels: { app: "web" } }, { attributes: { localPreference: 300 } });
  const [r] = serviceRoutes([a, b], [svc()], "nano");
  t.is(r?.prefix, "10.99.0.10/32");
  t.deepEqual(
    r?.attributes.map((x) => [x.communities, x.localPreference]),
    [
      [["64514:200"], null],
      [[], 300],
    ],
  );
});

test("a node's speaker originates its Service /32s on ipv4 unicast beside its pod CIDR", async (t) => {
  const seed = await loadLab();
  const ad: CiliumManifest = {
    apiVersion: "cilium.io/v2",
    kind: "CiliumBGPAdvertisement",
    metadata: { name: "services", labels: { advertise: "pod-cidr" } },
    spec: {
      advertisements: [
        {
          ...lbAd({ matchLabels: { app: "web" } }),
          attributes: { communities: { standard: ["64514:200"] } },
        },
      ],
    },
    source: SRC,
  };
  const services = [svc({ externalTrafficPolicy: "Local" })];
  const resolve = (name: string) => {
    const n = seed.nodes.find((x) => x.name === name);
    if (!n) throw new Error(name);
    return resolveNodeBgp([...seed.cilium, ad], {
      name,
      address: n.address,
      podCidr: n.podCidr.text,
      labels: n.labels,
      services,
    });
  };
  const nano = resolve("nano");
  t.deepEqual(originatedPrefixes(nano), ["10.42.1.0/24"]);
  t.deepEqual(originatedServicePrefixes(nano), ["10.99.0.10/32"]);
  const routes = originatedRoutes(nano?.instances[0] as NonNullable<typeof nano>["instances"][number]);
  t.deepEqual(
    routes.map((r) => [r.prefix, r.attributes.communities, r.conflict]),
    [
      ["10.42.1.0/24", [], null],
      ["10.99.0.10/32", ["64514:200"], null],
    ],
  );
  // Local policy: sakamoto has no backend of web, so it originates only its pod CIDR.
  t.deepEqual(originatedServicePrefixes(resolve("sakamoto")), []);
});
