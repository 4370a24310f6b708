// The upstream Cilium CRD schemas (vendored in schemas/cilium, copied byte-exact) compiled for
// validating the lab's manifests. Kubernetes prunes unknown fields silently; the lab rejects
// them instead, because a misspelt field (peerAsn) is a silent misconfiguration.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { ValidateFunction } from "ajv";
import yaml from "js-yaml";
import { compileSchema } from "../config/schema-check.ts";

const SCHEMA_DIR = fileURLToPath(new URL("../../schemas/cilium/", import.meta.url));

export const CILIUM_BGP_KINDS = {
  CiliumBGPClusterConfig: "ciliumbgpclusterconfigs.yaml",
  CiliumBGPPeerConfig: "ciliumbgppeerconfigs.yaml",
  CiliumBGPAdvertisement: "ciliumbgpadvertisements.yaml",
  CiliumBGPNodeConfigOverride: "ciliumbgpnodeconfigoverrides.yaml",
} as const;

export type CiliumBgpKind = keyof typeof CILIUM_BGP_KINDS;

const cache = new Map<string, ValidateFunction>();

/** Validator for kind at apiVersion cilium.io/<version>; null when the CRD has no such version. */
export function crdValidator(kind: CiliumBgpKind, version: string): ValidateFunction | null {
  const key = `${kind}/${version}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const crd = yaml.load(readFileSync(SCHEMA_DIR + CILIUM_BGP_KINDS[kind], "utf8")) as {
    spec: { versions: { name: string; schema: { openAPIV3Schema: Record<string, unknown> } }[] };
  };
  const v = crd.spec.versions.find((x) => x.name === version);
  if (!v) return null;
  const schema = closeObjects(structuredClone(v.schema.openAPIV3Schema), []);
  const fn = compileSchema(schema);
  cache.set(key, fn);
  return fn;
}

export function crdVersions(kind: CiliumBgpKind): string[] {
  const crd = yaml.load(readFileSync(SCHEMA_DIR + CILIUM_BGP_KINDS[kind], "utf8")) as {
    spec: { versions: { name: string }[] };
  };
  return crd.spec.versions.map((v) => v.name);
}

/** Forbid unknown fields on every object that lists its properties (but not in metadata). */
function closeObjects(node: Record<string, unknown>, path: string[]): Record<string, unknown> {
  const props = node.properties as Record<string, Record<string, unknown>> | undefined;
  if (props && node.additionalProperties === undefined && !node["x-kubernetes-preserve-unknown-fields"]) {
    if (path.join(".") !== "metadata") node.additionalProperties = false;
  }
  if (props) {
    // apiVersion/kind/metadata are checked by the loader itself.
    for (const [k, v] of Object.entries(props)) closeObjects(v, [...path, k]);
  }
  const items = node.items as Record<string, unknown> | undefined;
  if (items) closeObjects(items, [...path, "[]"]);
  if (path.length === 0 && props) {
    // CRD schemas leave ObjectMeta to the API server, which rejects non-string label and
    // annotation values; labels matter here (advertisement selectors match them).
    const stringMap = { type: "object", additionalProperties: { type: "string" } };
    props.metadata = { type: "object", properties: { labels: stringMap, annotations: stringMap } };
  }
  return node;
}
