// Kubernetes Secrets in the Cilium manifest folder, read as the Cilium agent reads a BGP peer's
// TCP MD5 password: a CiliumBGPPeerConfig's spec.authSecretRef names a Secret in the BGP
// secrets namespace, whose key "password" is the password (cilium/cilium
// pkg/bgpv1/manager/reconcilerv2/neighbor.go, getPeerPassword).
import { Buffer } from "node:buffer";
import type { Diagnostics } from "../config/diagnostics.ts";
import { positionOf, type YamlDocument } from "../config/yaml.ts";
import type { CiliumManifest, SourceRef } from "../topology/model.ts";
import { manifestPosition } from "../topology/positions.ts";

/** Helm value bgpControlPlane.secretsNamespace.name; its default since cilium/cilium PR #29478
 * (Cilium 1.15) is kube-system, where the agent then reads BGP secrets. */
export const DEFAULT_BGP_SECRETS_NAMESPACE = "kube-system";
export const SECRETS_NAMESPACE_VALUE = "bgpControlPlane.secretsNamespace.name";
/** The Secret key the agent reads the password from. */
export const PASSWORD_KEY = "password";
/** What `kubectl apply` gives an object with no metadata.namespace (the context's default). */
const APPLY_NAMESPACE = "default";

export interface BgpSecret {
  name: string;
  namespace: string;
  /** Decoded values: stringData over data, as the API server merges them. */
  data: Record<string, string>;
  source: SourceRef;
  /** The document as written, for `kubectl apply` on the clab runtime. */
  manifest: Record<string, unknown>;
}

export function isSecretDoc(doc: YamlDocument): boolean {
  const v = doc.value as { kind?: unknown } | null;
  return typeof v === "object" && v !== null && v.kind === "Secret";
}

/** Every `kind: Secret` document, checked the way the API server would take it. */
export function checkSecretManifests(docs: YamlDocument[], diags: Diagnostics): BgpSecret[] {
  const out: BgpSecret[] = [];
  for (const doc of docs.filter(isSecretDoc)) {
    const s = checkSecret(doc, diags);
    if (!s) continue;
    const dup = out.find((o) => o.name === s.name && o.namespace === s.namespace);
    if (dup)
      diags.add(
        positionOf(doc, "metadata.name"),
        "metadata.name",
        `duplicate Secret ${s.namespace}/${s.name}`,
        `first defined at ${dup.source.file}:${dup.source.line}`,
      );
    else out.push(s);
  }
  return out;
}

function checkSecret(doc: YamlDocument, diags: Diagnostics): BgpSecret | null {
  const v = doc.value as {
    apiVersion?: unknown;
    metadata?: { name?: unknown; namespace?: unknown };
    data?: unknown;
    stringData?: unknown;
  };
  let ok = true;
  const bad = (path: string, message: string, hint: string) => {
    diags.add(positionOf(doc, path), path, message, hint);
    ok = false;
  };
  if (v.apiVersion !== "v1")
    bad(
      "apiVersion",
      `a Secret is apiVersion "v1", got ${JSON.stringify(v.apiVersion ?? null)}`,
      "apiVersion: v1",
    );
  const name = v.metadata?.name;
  if (typeof name !== "string" || name === "")
    bad("metadata", "missing metadata.name", "the name a CiliumBGPPeerConfig's authSecretRef gives");
  const ns = v.metadata?.namespace ?? APPLY_NAMESPACE;
  if (typeof ns !== "string")
    bad("metadata.namespace", "metadata.namespace must be a string", `e.g. ${DEFAULT_BGP_SECRETS_NAMESPACE}`);
  const data: Record<string, string> = {};
  for (const [field, decode] of [
    ["data", true],
    ["stringData", false],
  ] as const) {
    const map = v[field];
    if (map === undefined || map === null) continue;
    if (typeof map !== "object" || Array.isArray(map)) {
      bad(field, `${field} must be a mapping of keys to values`, `${field}: { ${PASSWORD_KEY}: ... }`);
      continue;
    }
    for (const [k, raw] of Object.entries(map)) {
      const path = `${field}.${k}`;
      if (typeof raw !== "string") {
        bad(path, `${path} must be a string`, "quote it");
        continue;
      }
      if (!decode) data[k] = raw;
      else if (!BASE64.test(raw.replace(/\s+/g, "")))
        bad(path, `${path} is not base64`, `encode it (echo -n '...' | base64), or put it under stringData`);
      else data[k] = Buffer.from(raw, "base64").toString("utf8");
    }
  }
  if (!ok) return null;
  return {
    name: name as string,
    namespace: ns as string,
    data,
    source: doc.start,
    manifest: doc.value as Record<string, unknown>,
  };
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The namespace the agent reads BGP secrets from, as the Helm values set it. */
export function bgpSecretsNamespace(helmValues: YamlDocument | null): string {
  const v = helmValues?.value as { bgpControlPlane?: { secretsNamespace?: { name?: unknown } } } | undefined;
  const name = v?.bgpControlPlane?.secretsNamespace?.name;
  return typeof name === "string" && name !== "" ? name : DEFAULT_BGP_SECRETS_NAMESPACE;
}

export type PasswordLookup = { password: string } | { problem: string; hint: string };

/** The password a PeerConfig's authSecretRef gives, or why there is none. */
export function lookupPassword(ref: string, secrets: BgpSecret[], namespace: string): PasswordLookup {
  const secret = secrets.find((s) => s.name === ref && s.namespace === namespace);
  if (!secret) {
    const elsewhere = secrets.find((s) => s.name === ref);
    return {
      problem: `no Secret "${ref}" in namespace "${namespace}" (where Cilium reads BGP secrets, Helm value ${SECRETS_NAMESPACE_VALUE})`,
      hint: elsewhere
        ? `Secret "${ref}" is in namespace "${elsewhere.namespace}" (${elsewhere.source.file}:${elsewhere.source.line}): set its metadata.namespace: ${namespace}`
        : `add to the Cilium manifests: apiVersion: v1, kind: Secret, metadata: { name: ${ref}, namespace: ${namespace} }, stringData: { ${PASSWORD_KEY}: ... }`,
    };
  }
  const password = secret.data[PASSWORD_KEY];
  if (!password)
    return {
      problem: `Secret ${namespace}/${ref} has no key "${PASSWORD_KEY}" (keys: ${Object.keys(secret.data).join(", ") || "none"})`,
      hint: `the agent reads the TCP MD5 password from key "${PASSWORD_KEY}" (${secret.source.file}:${secret.source.line})`,
    };
  return { password };
}

/** Every PeerConfig whose authSecretRef gives no password, as load errors at the field. */
export function checkAuthSecretRefs(
  manifests: CiliumManifest[],
  secrets: BgpSecret[],
  namespace: string,
  diags: Diagnostics,
): void {
  for (const m of manifests) {
    if (m.kind !== "CiliumBGPPeerConfig") continue;
    const ref = (m.spec as { authSecretRef?: string }).authSecretRef;
    if (typeof ref !== "string") continue;
    const found = lookupPassword(ref, secrets, namespace);
    if ("problem" in found)
      diags.add(
        manifestPosition(m, "spec.authSecretRef"),
        "spec.authSecretRef",
        `CiliumBGPPeerConfig/${m.metadata.name}: ${found.problem}`,
        found.hint,
      );
  }
}
