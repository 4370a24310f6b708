import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import yaml from "js-yaml";
import { CILIUM_BGP_KINDS, type CiliumBgpKind } from "../../../lab/cilium/crd-schemas.ts";
import { FIELD_SUPPORT, refusedInManifests } from "../../../lab/cilium/field-support.ts";
import { formatDiagnostic } from "../../../lab/config/diagnostics.ts";
import { loadLab } from "../../../lab/topology/load.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
}

/** Every leaf field of one served version's spec ("spec.a[].b"), from the upstream CRD schema. */
function leafFields(node: SchemaNode, path: string, out: Set<string>): void {
  const props = node.type === "array" ? node.items?.properties : node.properties;
  if (!props) {
    out.add(node.type === "array" ? `${path}[]` : path);
    return;
  }
  const base = node.type === "array" ? `${path}[]` : path;
  for (const [k, child] of Object.entries(props)) leafFields(child, `${base}.${k}`, out);
}

function schemaFields(kind: CiliumBgpKind): Set<string> {
  const crd = yaml.load(readFileSync(join(ROOT, "schemas/cilium", CILIUM_BGP_KINDS[kind]), "utf8")) as {
    spec: { versions: { schema: { openAPIV3Schema: { properties: { spec: SchemaNode } } } }[] };
  };
  const out = new Set<string>();
  for (const v of crd.spec.versions) leafFields(v.schema.openAPIV3Schema.properties.spec, "spec", out);
  return out;
}

for (const kind of Object.keys(CILIUM_BGP_KINDS) as CiliumBgpKind[]) {
  test(`inventory: every field of ${kind} (v2 and v2alpha1) is classified, and nothing else`, (t) => {
    const fields = [...schemaFields(kind)].sort();
    t.deepEqual(Object.keys(FIELD_SUPPORT[kind]).sort(), fields);
  });
}

test("docs/cilium-crds.md lists every field with the status the code gives it", (t) => {
  const doc = readFileSync(join(ROOT, "docs/cilium-crds.md"), "utf8");
  for (const [kind, table] of Object.entries(FIELD_SUPPORT)) {
    for (const [path, entry] of Object.entries(table)) {
      const row = doc.split("\n").find((l) => l.startsWith(`| ${kind} `) && l.includes(`\`${path}\``));
      t.truthy(row, `${kind} ${path} is missing from docs/cilium-crds.md`);
      t.true(row?.includes(`| ${entry.status}`), `${kind} ${path}: the doc does not say ${entry.status}`);
    }
  }
});

test("the seed configs use no refused field", async (t) => {
  const lab = await loadLab();
  t.deepEqual(refusedInManifests(lab.cilium), []);
});

/** A copy of configs/ with extra manifest text appended to one file of the Cilium folder. */
async function withManifest(file: string, text: string) {
  const dir = mkdtempSync(join(tmpdir(), "crd-fields-"));
  cpSync(join(ROOT, "configs"), dir, { recursive: true });
  const path = join(dir, "k8s/cilium", file);
  writeFileSync(path, text);
  try {
    const lab = await loadLab(join(dir, "topology.yaml"));
    return refusedInManifests(lab.cilium).map((d) => formatDiagnostic(d).replace(dir, "<configs>"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const SEED_PEER_CONFIG = readFileSync(join(ROOT, "configs/k8s/cilium/peer-config.yaml"), "utf8");
const SEED_ADVERTISEMENT = readFileSync(join(ROOT, "configs/k8s/cilium/advertisement.yaml"), "utf8");

test("advertisementType: PodCIDR is emulated, Service and its addresses are refused by name", async (t) => {
  const text = `${SEED_ADVERTISEMENT}    - advertisementType: Service\n      service:\n        addresses: [LoadBalancerIP]\n      selector:\n        matchLabels: { app: web }\n`;
  const ds = await withManifest("advertisement.yaml", text);
  t.is(ds.length, 3, ds.join("\n"));
  t.regex(ds[0] ?? "", /spec\.advertisements\[1\]\.advertisementType "Service"/);
  t.regex(ds[1] ?? "", /spec\.advertisements\[1\]\.service\.addresses\[0\] "LoadBalancerIP"/);
  t.regex(ds[2] ?? "", /spec\.advertisements\[1\]\.selector\.matchLabels/);
});

test("families: ipv4/ipv6 unicast are emulated, another family is refused by value", async (t) => {
  const text = SEED_PEER_CONFIG.replace(
    "  families:\n",
    "  families:\n    - afi: ipv6\n      safi: unicast\n    - afi: l2vpn\n      safi: evpn\n",
  );
  const ds = await withManifest("peer-config.yaml", text);
  t.is(ds.length, 2, ds.join("\n"));
  t.regex(ds[0] ?? "", /spec\.families\[1\]\.afi "l2vpn"/);
  t.regex(ds[1] ?? "", /spec\.families\[1\]\.safi "evpn"/);
});

test("a CiliumBGPNodeConfigOverride's routerID is emulated, its peers' localPort refused by name", async (t) => {
  const text =
    "apiVersion: cilium.io/v2\nkind: CiliumBGPNodeConfigOverride\nmetadata:\n  name: yuuko-k8s\nspec:\n  bgpInstances:\n    - name: instance-64514\n      routerID: 10.9.9.9\n      peers:\n        - name: router-home\n          localPort: 1790\n";
  const ds = await withManifest("override.yaml", text);
  t.deepEqual(ds.length, 1, ds.join("\n"));
  t.true(ds[0]?.startsWith("<configs>/k8s/cilium/override.yaml:11:"), ds[0]);
  t.regex(ds[0] ?? "", /spec\.bgpInstances\[0\]\.peers\[0\]\.localPort 1790/);
  t.regex(ds[0] ?? "", /Cilium itself never applies it.*\(remove it: no runtime would use it\)$/);
});
