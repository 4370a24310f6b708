import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import { formatDiagnostic, ValidationError } from "../../../lab/config/diagnostics.ts";
import { loadLab } from "../../../lab/topology/load.ts";
import type { Lab } from "../../../lab/topology/model.ts";

const CONFIGS = fileURLToPath(new URL("../../../configs/", import.meta.url));
const SEED_LINES = readFileSync(join(CONFIGS, "topology.yaml"), "utf8").split("\n").length;

/** Loads a copy of configs/ whose topology ends with `services`; returns the lab or the errors. */
async function withServices(services: string): Promise<Lab | string[]> {
  const dir = mkdtempSync(join(tmpdir(), "svc-topo-"));
  cpSync(CONFIGS, dir, { recursive: true });
  const file = join(dir, "topology.yaml");
  writeFileSync(file, `${readFileSync(file, "utf8")}${services}`);
  try {
    return await loadLab(file);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    return err.diagnostics.map((d) => formatDiagnostic(d).replace(dir, "<configs>"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The line a services line lands on in the copy (the seed ends with a newline: its last "line" is empty). */
const line = (n: number) => SEED_LINES + n;

test("a Service loads with its backends resolved to pods and Cilium's defaults", async (t) => {
  const lab = await withServices(`services:
  - name: web
    labels: { app: web }
    loadBalancerIPs: [10.99.0.10]
    backends: [nano-pod1, yuuko-k8s-pod2]
`);
  if (Array.isArray(lab)) return t.fail(lab.join("\n"));
  t.deepEqual(
    lab.services.map((s) => [s.namespace, s.name, s.externalTrafficPolicy, s.loadBalancerIPs, s.externalIPs]),
    [["default", "web", "Cluster", ["10.99.0.10"], []]],
  );
  t.deepEqual(lab.services[0]?.backends, [
    { pod: "nano-pod1", node: "nano", address: "10.42.1.10" },
    { pod: "yuuko-k8s-pod2", node: "yuuko-k8s", address: "10.42.3.11" },
  ]);
});

test("the seed declares no Service", async (t) => {
  t.deepEqual((await loadLab()).services, []);
});

test("bad Services: unknown pod, addresses inside the lab's prefixes, a duplicate address, by file:line:col", async (t) => {
  const ds = await withServices(`services:
  - name: web
    loadBalancerIPs: [10.42.1.50, 192.168.6.200]
    externalIPs: [10.43.0.10, 192.168.191.99]
    backends: [nano-pod9]
  - name: api
    loadBalancerIPs: [10.99.0.10]
    externalIPs: [10.99.0.10]
    backends: [nano-pod1]
  - name: api
    backends: [nano-pod1]
`);
  if (!Array.isArray(ds)) return t.fail("loaded");
  const f = "<configs>/topology.yaml";
  t.deepEqual(ds, [
    `${f}:${line(2)}:23: services[0].loadBalancerIPs[0]: 10.42.1.50 is inside the cluster pod CIDR 10.42.0.0/16 (a Service address is its own /32: pick one outside the pod and service CIDRs, the LANs and the ZeroTier network, e.g. from 10.99.0.0/24)`,
    `${f}:${line(2)}:35: services[0].loadBalancerIPs[1]: 192.168.6.200 is inside the LAN of site "mine" 192.168.6.0/24 (a Service address is its own /32: pick one outside the pod and service CIDRs, the LANs and the ZeroTier network, e.g. from 10.99.0.0/24)`,
    `${f}:${line(3)}:19: services[0].externalIPs[0]: 10.43.0.10 is inside the service CIDR 10.43.0.0/16 (ClusterIPs) (a Service address is its own /32: pick one outside the pod and service CIDRs, the LANs and the ZeroTier network, e.g. from 10.99.0.0/24)`,
    `${f}:${line(3)}:31: services[0].externalIPs[1]: 192.168.191.99 is inside the ZeroTier network 192.168.191.0/24 (a Service address is its own /32: pick one outside the pod and service CIDRs, the LANs and the ZeroTier network, e.g. from 10.99.0.0/24)`,
    `${f}:${line(4)}:16: services[0].backends[0]: unknown pod "nano-pod9" (did you mean "nano-pod1"? pods are named <node>-pod<k>)`,
    `${f}:${line(7)}:19: services[1].externalIPs[0]: 10.99.0.10 is already used by services[1].loadBalancerIPs[0] (Service default/api) (each Service address belongs to one Service)`,
    `${f}:${line(9)}:11: services[2].name: duplicate Service default/api (also declared at services[1] (line ${line(5)}); a Service name is unique in its namespace)`,
  ]);
});

test("the schema refuses a Service type other than LoadBalancer, by position", async (t) => {
  const ds = await withServices(`services:
  - name: web
    type: NodePort
    backends: [nano-pod1]
`);
  if (!Array.isArray(ds)) return t.fail("loaded");
  t.is(ds.length, 1, ds.join("\n"));
  t.regex(ds[0] ?? "", new RegExp(`topology\\.yaml:${line(2)}:11: services\\[0\\]\\.type: `));
});
