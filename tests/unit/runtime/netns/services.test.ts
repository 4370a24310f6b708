import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import test, { type ExecutionContext } from "ava";
import { formatDiagnostic } from "../../../../lab/config/diagnostics.ts";
import { planNetns } from "../../../../lab/runtime/netns/plan.ts";
import { serviceRefusals } from "../../../../lab/runtime/netns/services.ts";
import { withNode } from "../../../../lab/topology/build.ts";
import { loadLab } from "../../../../lab/topology/load.ts";
import type { Lab } from "../../../../lab/topology/model.ts";

const CONFIGS = fileURLToPath(new URL("../../../../configs/", import.meta.url));

/** Selected by the seed PeerConfig's ipv4 family (it selects advertise: pod-cidr). */
const EVERY_SERVICE = `    - advertisementType: Service
      service:
        addresses: [LoadBalancerIP, ExternalIP]
      selector:
        matchExpressions:
          - { key: somekey, operator: NotIn, values: [never-used-value] }
`;

/** The copy stays until the test ends: an overlay (withNode) reads its files again. */
async function labWith(t: ExecutionContext, services: string): Promise<Lab> {
  const dir = mkdtempSync(join(tmpdir(), "svc-plan-"));
  cpSync(CONFIGS, dir, { recursive: true });
  const topo = join(dir, "topology.yaml");
  writeFileSync(topo, `${readFileSync(topo, "utf8")}${services}`);
  const ad = join(dir, "k8s/cilium/advertisement.yaml");
  writeFileSync(ad, `${readFileSync(ad, "utf8")}${EVERY_SERVICE}`);
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return loadLab(topo);
}

test("backends hold the Service addresses; each node with a backend routes them to its first local one", async (t) => {
  const lab = await labWith(
    t,
    `services:
  - name: web
    loadBalancerIPs: [10.99.0.10]
    externalIPs: [10.99.1.10]
    externalTrafficPolicy: Local
    backends: [nano-pod2, nano-pod1]
`,
  );
  const plan = planNetns(lab);
  const podAddrs = (pod: string) => plan.links.find((l) => l.a.ns === `xsite-${pod}`)?.a.addresses;
  t.deepEqual(podAddrs("nano-pod1"), ["10.42.1.10/32", "10.99.0.10/32", "10.99.1.10/32"]);
  t.deepEqual(podAddrs("nano-pod2"), ["10.42.1.11/32", "10.99.0.10/32", "10.99.1.10/32"]);
  t.deepEqual(podAddrs("sakamoto-pod1"), ["10.42.0.10/32"]);
  const serviceRoutes = plan.routes.filter((r) => r.args[0]?.startsWith("10.99."));
  t.deepEqual(serviceRoutes, [
    { ns: "xsite-nano", args: ["10.99.0.10/32", "dev", "pod2", "scope", "link"] },
    { ns: "xsite-nano", args: ["10.99.1.10/32", "dev", "pod2", "scope", "link"] },
  ]);
  t.deepEqual(serviceRefusals(lab), []);
});

test("Cluster policy: a node advertising a Service without a local backend is refused by name", async (t) => {
  const lab = await labWith(
    t,
    `services:
  - name: web
    loadBalancerIPs: [10.99.0.10]
    backends: [nano-pod1, sakamoto-pod1]
`,
  );
  const ds = serviceRefusals(lab).map((d) =>
    formatDiagnostic(d).replace(/^.*topology\.yaml/, "topology.yaml"),
  );
  t.is(ds.length, 1, ds.join("\n"));
  t.regex(
    ds[0] ?? "",
    /^topology\.yaml:\d+:5: services\[0\]: Service default\/web \(externalTrafficPolicy Cluster\): node yuuko-k8s advertises 10\.99\.0\.10\/32 but has no backend; .*SNAT.*\(set externalTrafficPolicy: Local .*give yuuko-k8s a backend pod, or use --runtime clab\)$/,
  );
});

test("the seed plans no Service address anywhere", async (t) => {
  const plan = planNetns(await loadLab());
  t.false(JSON.stringify(plan).includes("10.99."));
  t.deepEqual(serviceRefusals(await loadLab()), []);
});

test("a node joining under Cluster policy has no backend yet: refused for it alone", async (t) => {
  const lab = await labWith(
    t,
    `services:
  - name: web
    loadBalancerIPs: [10.99.0.10]
    backends: [nano-pod1, sakamoto-pod1, yuuko-k8s-pod1]
`,
  );
  t.deepEqual(serviceRefusals(lab), []);
  const grown = withNode(lab, {
    name: "chiaki",
    site: "mine",
    address: "192.168.6.82",
    podCIDR: "10.42.2.0/24",
    labels: {},
    pods: 1,
  });
  t.deepEqual(serviceRefusals(grown, "nano"), []);
  const ds = serviceRefusals(grown, "chiaki");
  t.is(ds.length, 1);
  t.regex(ds[0]?.message ?? "", /node chiaki advertises 10\.99\.0\.10\/32 but has no backend/);
});
