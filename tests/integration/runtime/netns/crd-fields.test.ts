// The Cilium CRD inventory (docs/cilium-crds.md) on a real netns lab: a refused field stops `up`
// with exit 2 and its file:line before anything exists.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { workPaths } from "../../../../lab/runtime/workdir.ts";
import { listNetns } from "../../../../lab/util/netns.ts";
import { integrationTests, netnsUnavailable } from "../../../helpers/root.ts";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const why = await netnsUnavailable();
const t = integrationTests("crd-fields", why);

/** A copy of configs/ whose Cilium manifest `file` is changed by `edit`. */
function configsWith(file: string, edit: (text: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), "crd-it-"));
  cpSync(join(ROOT, "configs"), dir, { recursive: true });
  const path = join(dir, "k8s/cilium", file);
  writeFileSync(path, edit(readFileSync(path, "utf8")));
  return dir;
}

function lab(args: string[]) {
  return spawnSync("npm", ["run", "--silent", "lab", "--", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 120_000,
  });
}

t("up refuses authSecretRef by file:line with exit 2 and creates nothing", async (tt) => {
  const dir = configsWith("peer-config.yaml", (s) =>
    s.replace("spec:\n", "spec:\n  authSecretRef: bgp-auth\n"),
  );
  try {
    const r = lab(["up", "--name", "crd1", "--topology", join(dir, "topology.yaml")]);
    tt.is(r.status, 2, r.stderr);
    tt.regex(
      r.stderr,
      /k8s\/cilium\/peer-config\.yaml:\d+:\d+: spec\.authSecretRef: .*use --runtime clab for this field/,
    );
    tt.false(existsSync(workPaths("crd1").root));
    tt.deepEqual(
      (await listNetns()).filter((n) => n.startsWith("crd1-")),
      [],
    );
  } finally {
    lab(["down", "--name", "crd1", "--topology", join(dir, "topology.yaml")]);
    rmSync(dir, { recursive: true, force: true });
  }
});
