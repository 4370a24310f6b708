// Loads the Cilium BGP manifests of a folder: every *.yaml except Helm values, every document
// checked against the upstream CRD schema of its kind.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { closest, type Diagnostics } from "../config/diagnostics.ts";
import { readYamlFile } from "../config/read.ts";
import { checkAgainstSchema } from "../config/schema-check.ts";
import { positionOf, type YamlDocument } from "../config/yaml.ts";
import type { CiliumManifest, SourceRef } from "../topology/model.ts";
import { manifestPosition } from "../topology/positions.ts";
import { CILIUM_BGP_KINDS, type CiliumBgpKind, crdValidator, crdVersions } from "./crd-schemas.ts";
import { isSecretDoc } from "./secrets.ts";

/** Files in the Cilium folder that are not manifests. */
export const HELM_VALUES_FILE = "values.yaml";

/** The documents of every manifest file in `dir` (empty documents between --- left out). */
export function readCiliumManifestDocs(dir: string, diags: Diagnostics, dirRef: SourceRef): YamlDocument[] {
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f) && f !== HELM_VALUES_FILE)
      .sort();
  } catch (err) {
    diags.add(
      dirRef,
      "cluster.cilium",
      `cannot read the Cilium manifest folder ${dir}: ${(err as Error).message}`,
      "the path is relative to the topology file",
    );
    return [];
  }
  if (files.length === 0) {
    diags.add(
      dirRef,
      "cluster.cilium",
      `no Cilium manifests (*.yaml) in ${dir}`,
      "put the CiliumBGPClusterConfig, PeerConfig and Advertisement manifests there",
    );
  }
  const out: YamlDocument[] = [];
  for (const f of files) {
    const file = join(dir, f);
    const docs = readYamlFile(file, diags, {
      unreadable: (err) => ({ message: `cannot read: ${err.message}` }),
      syntaxHint: (hint) => hint,
    });
    for (const doc of docs ?? []) if (doc.value !== null && doc.value !== undefined) out.push(doc);
  }
  return out;
}

/** Each document checked against the CRD schema of its kind; names unique per kind. Secrets
 * (a PeerConfig's authSecretRef) are read by secrets.ts. */
export function checkCiliumManifests(docs: YamlDocument[], diags: Diagnostics): CiliumManifest[] {
  const out: CiliumManifest[] = [];
  for (const doc of docs) {
    if (isSecretDoc(doc)) continue;
    const m = checkManifest(doc, diags);
    if (m) out.push(m);
  }
  checkUniqueNames(out, diags);
  return out;
}

function checkManifest(doc: YamlDocument, diags: Diagnostics): CiliumManifest | null {
  const v = doc.value as Record<string, unknown>;
  if (typeof v !== "object" || Array.isArray(v)) {
    diags.add(doc.start, "", "a Kubernetes manifest must be a mapping", "apiVersion, kind, metadata, spec");
    return null;
  }
  const kind = v.kind;
  const kinds = Object.keys(CILIUM_BGP_KINDS);
  if (typeof kind !== "string" || !kinds.includes(kind)) {
    const guess = typeof kind === "string" ? closest(kind, kinds) : undefined;
    diags.add(
      positionOf(doc, "kind"),
      "kind",
      `unsupported kind ${JSON.stringify(kind ?? null)}`,
      guess ? `did you mean ${guess}?` : `supported: ${kinds.join(", ")}, and Secret (v1) for authSecretRef`,
    );
    return null;
  }
  const apiVersion = String(v.apiVersion ?? "");
  const m = /^cilium\.io\/(v\w+)$/.exec(apiVersion);
  const versions = crdVersions(kind as CiliumBgpKind);
  const validate = m ? crdValidator(kind as CiliumBgpKind, m[1] as string) : null;
  if (!validate) {
    diags.add(
      positionOf(doc, "apiVersion"),
      "apiVersion",
      `${kind} is not served as ${JSON.stringify(apiVersion)}`,
      `use one of: ${versions.map((x) => `cilium.io/${x}`).join(", ")}`,
    );
    return null;
  }
  const meta = v.metadata as { name?: unknown; labels?: Record<string, string> } | undefined;
  if (!meta || typeof meta.name !== "string" || meta.name === "") {
    diags.add(
      positionOf(doc, "metadata"),
      "metadata.name",
      "missing metadata.name",
      "every Kubernetes object needs a name",
    );
    return null;
  }
  if (meta.name.length > 253 || !DNS_SUBDOMAIN.test(meta.name)) {
    diags.add(
      positionOf(doc, "metadata.name"),
      "metadata.name",
      `${JSON.stringify(meta.name)} is not a valid object name`,
      "Kubernetes names are lowercase letters, digits, '-' and '.', starting and ending alphanumeric",
    );
    return null;
  }
  if (!checkAgainstSchema(validate, doc, diags)) return null;
  if (!checkInstanceNames(doc, diags)) return null;
  return {
    apiVersion,
    kind,
    metadata: { name: meta.name, ...(meta.labels ? { labels: meta.labels } : {}) },
    spec: (v.spec ?? {}) as Record<string, unknown>,
    source: doc.start,
    positions: doc.positions,
  };
}

/** What the API server accepts as the name of a custom resource (a DNS-1123 subdomain). */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** BGP instance names become file names (gobgp/<node>/<instance>.yaml, gobgpd-<instance>.log). */
const INSTANCE_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

function checkInstanceNames(doc: YamlDocument, diags: Diagnostics): boolean {
  const spec = (doc.value as { spec?: { bgpInstances?: unknown } }).spec;
  const instances = Array.isArray(spec?.bgpInstances) ? (spec.bgpInstances as { name?: unknown }[]) : [];
  let ok = true;
  instances.forEach((inst, i) => {
    if (typeof inst?.name !== "string" || INSTANCE_NAME.test(inst.name)) return;
    const path = `spec.bgpInstances[${i}].name`;
    diags.add(
      positionOf(doc, path),
      path,
      `${JSON.stringify(inst.name)} is not a usable BGP instance name`,
      "the lab names files after it: letters, digits, '-', '_' and '.', starting and ending with a letter or digit",
    );
    ok = false;
  });
  return ok;
}

function checkUniqueNames(list: CiliumManifest[], diags: Diagnostics): void {
  const seen = new Map<string, CiliumManifest>();
  for (const item of list) {
    const key = `${item.kind}/${item.metadata.name}`;
    const first = seen.get(key);
    if (first) {
      const s = first.source;
      diags.add(
        manifestPosition(item, "metadata.name"),
        "metadata.name",
        `duplicate ${key}`,
        `first defined at ${s.file}:${s.line}`,
      );
    } else seen.set(key, item);
  }
}
