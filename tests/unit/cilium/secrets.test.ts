import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import { refusedInManifests } from "../../../lab/cilium/field-support.ts";
import { formatDiagnostic, ValidationError } from "../../../lab/config/diagnostics.ts";
import { gobgpSpeakers } from "../../../lab/render/gobgp.ts";
import { ciliumManifestsYaml } from "../../../lab/runtime/clab/manifests.ts";
import { manifestFiles } from "../../../lab/runtime/clab/plan.ts";
import { loadLab } from "../../../lab/topology/load.ts";
import type { Lab } from "../../../lab/topology/model.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const SEED_PEER_CONFIG = readFileSync(join(ROOT, "configs/k8s/cilium/peer-config.yaml"), "utf8");
const WITH_REF = SEED_PEER_CONFIG.replace("spec:\n", "spec:\n  authSecretRef: bgp-auth\n");
const REF_LINE = WITH_REF.split("\n").indexOf("  authSecretRef: bgp-auth") + 1;

const secret = (body: string, namespace = "kube-system") =>
  `apiVersion: v1\nkind: Secret\nmetadata:\n  name: bgp-auth\n  namespace: ${namespace}\n${body}`;

/** Loads a copy of configs/ with the PeerConfig naming bgp-auth and `files` added to the Cilium folder. */
async function load(files: Record<string, string>, peerConfig = WITH_REF): Promise<Lab | string[]> {
  const dir = mkdtempSync(join(tmpdir(), "secrets-"));
  cpSync(join(ROOT, "configs"), dir, { recursive: true });
  writeFileSync(join(dir, "k8s/cilium/peer-config.yaml"), peerConfig);
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, "k8s/cilium", f), text);
  try {
    return await loadLab(join(dir, "topology.yaml"));
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    return err.diagnostics.map((d) => formatDiagnostic(d).replaceAll(dir, "<configs>"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function passwords(lab: Lab | string[]): (string | undefined)[] {
  if (Array.isArray(lab)) throw new Error(lab.join("\n"));
  return lab.nodes.flatMap((n) =>
    gobgpSpeakers(n).flatMap((s) =>
      ((s.config.neighbors ?? []) as { config: { "auth-password"?: string } }[]).map(
        (nb) => nb.config["auth-password"],
      ),
    ),
  );
}

test("the seed has no Secret and its speakers no password", async (t) => {
  const lab = await loadLab();
  t.deepEqual(lab.secrets, []);
  t.is(lab.secretsNamespace, "kube-system");
  t.deepEqual(passwords(lab), [undefined, undefined, undefined]);
});

test("authSecretRef with a stringData Secret in kube-system: every neighbor gets auth-password", async (t) => {
  const lab = await load({ "bgp-auth.yaml": secret("stringData:\n  password: s3cret\n") });
  t.deepEqual(passwords(lab), ["s3cret", "s3cret", "s3cret"]);
  if (Array.isArray(lab)) return;
  t.deepEqual(lab.nodes[0]?.bgp?.instances[0]?.peers[0]?.auth, {
    secret: "kube-system/bgp-auth",
    password: "s3cret",
  });
  t.deepEqual(refusedInManifests(lab.cilium), [], "authSecretRef is emulated, not refused");
});

test("data is base64 and stringData wins over data for the same key, as the API server merges them", async (t) => {
  const b64 = Buffer.from("from-data").toString("base64");
  t.deepEqual(passwords(await load({ "s.yaml": secret(`data:\n  password: ${b64}\n`) })), [
    "from-data",
    "from-data",
    "from-data",
  ]);
  const both = secret(`data:\n  password: ${b64}\nstringData:\n  password: from-string\n`);
  t.deepEqual(passwords(await load({ "s.yaml": both })), ["from-string", "from-string", "from-string"]);
});

test("a missing Secret is a load error at the authSecretRef naming the Secret and the namespace", async (t) => {
  const errors = await load({});
  t.deepEqual(errors, [
    `<configs>/k8s/cilium/peer-config.yaml:${REF_LINE}:18: spec.authSecretRef: CiliumBGPPeerConfig/l3-bgp-peer-config: no Secret "bgp-auth" in namespace "kube-system" (where Cilium reads BGP secrets, Helm value bgpControlPlane.secretsNamespace.name) (add to the Cilium manifests: apiVersion: v1, kind: Secret, metadata: { name: bgp-auth, namespace: kube-system }, stringData: { password: ... })`,
  ]);
});

test("a Secret in another namespace is not read; the hint says where it is", async (t) => {
  const errors = await load({ "s.yaml": secret("stringData:\n  password: x\n", "default") });
  t.is((errors as string[]).length, 1);
  t.regex((errors as string[])[0] ?? "", /no Secret "bgp-auth" in namespace "kube-system"/);
  t.regex(
    (errors as string[])[0] ?? "",
    /is in namespace "default" \(<configs>\/k8s\/cilium\/s\.yaml:1\): set its metadata\.namespace: kube-system/,
  );
});

test("a Secret without key password is a load error naming both", async (t) => {
  const errors = await load({ "s.yaml": secret("stringData:\n  passwd: x\n") });
  t.deepEqual(errors, [
    `<configs>/k8s/cilium/peer-config.yaml:${REF_LINE}:18: spec.authSecretRef: CiliumBGPPeerConfig/l3-bgp-peer-config: Secret kube-system/bgp-auth has no key "password" (keys: passwd) (the agent reads the TCP MD5 password from key "password" (<configs>/k8s/cilium/s.yaml:1))`,
  ]);
});

test("bgpControlPlane.secretsNamespace.name in the Helm values moves where the Secret is read", async (t) => {
  const values = `${readFileSync(join(ROOT, "configs/k8s/cilium/values.yaml"), "utf8").replace(
    "bgpControlPlane:\n  enabled: true\n",
    "bgpControlPlane:\n  enabled: true\n  secretsNamespace:\n    name: cilium-bgp-secrets\n",
  )}`;
  const lab = await load({
    "values.yaml": values,
    "s.yaml": secret("stringData:\n  password: moved\n", "cilium-bgp-secrets"),
  });
  t.deepEqual(passwords(lab), ["moved", "moved", "moved"]);
});

test("a Secret that is not base64 or not v1 is refused at the field", async (t) => {
  const errors = (await load({
    "s.yaml": secret("data:\n  password: not*base64\n").replace("apiVersion: v1", "apiVersion: v2"),
  })) as string[];
  t.is(errors.length, 2, errors.join("\n"));
  t.regex(errors[0] ?? "", /s\.yaml:1:\d+: apiVersion: a Secret is apiVersion "v1", got "v2"/);
  t.regex(errors[1] ?? "", /s\.yaml:7:\d+: data\.password: data\.password is not base64/);
});

test("clab applies the Secret's file and the Secret itself with the manifests", async (t) => {
  const lab = await load({ "bgp-auth.yaml": secret("stringData:\n  password: s3cret\n") });
  if (Array.isArray(lab)) return t.fail(lab.join("\n"));
  t.true(manifestFiles(lab).some((f) => f.endsWith("k8s/cilium/bgp-auth.yaml")));
  const stream = ciliumManifestsYaml(lab);
  t.regex(
    stream,
    /kind: Secret\nmetadata:\n {2}name: bgp-auth\n {2}namespace: kube-system\nstringData:\n {2}password: s3cret/,
  );
});
