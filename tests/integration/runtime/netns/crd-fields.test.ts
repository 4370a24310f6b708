// The Cilium CRD inventory (docs/cilium-crds.md) on a real netns lab: an authSecretRef without
// its Secret stops `up` with exit 2 and its file:line before anything exists; an advertisement's communities reach
// the real routers (BIRD's `show route all`).
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { netnsKind } from "../../../../lab/runtime/netns/kind.ts";
import { nsName } from "../../../../lab/runtime/netns/plan.ts";
import { workPaths } from "../../../../lab/runtime/workdir.ts";
import { loadLab } from "../../../../lab/topology/load.ts";
import { output } from "../../../../lab/util/exec.ts";
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

t(
  "up refuses an authSecretRef whose Secret is missing, by file:line with exit 2, and creates nothing",
  async (tt) => {
    const dir = configsWith("peer-config.yaml", (s) =>
      s.replace("spec:\n", "spec:\n  authSecretRef: bgp-auth\n"),
    );
    try {
      const r = lab(["up", "--name", "crd1", "--topology", join(dir, "topology.yaml")]);
      tt.is(r.status, 2, r.stderr);
      tt.regex(
        r.stderr,
        /k8s\/cilium\/peer-config\.yaml:\d+:\d+: spec\.authSecretRef: .*no Secret "bgp-auth" in namespace "kube-system"/,
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
  },
);

const ATTRIBUTES = `      attributes:
        communities:
          standard: ["64514:100", "4259840100"]
          wellKnown: [internet]
          large: ["64514:3:1"]
        localPreference: 200
`;

t("an advertisement's communities reach both routers; LOCAL_PREF is on the speaker's route", async (tt) => {
  const dir = configsWith("advertisement.yaml", (s) => `${s}${ATTRIBUTES}`);
  const lab = { ...(await loadLab(join(dir, "topology.yaml"))), name: "crd2" };
  const h = netnsKind.open(lab);
  try {
    await h.up({ budgetMs: 90_000 });
    // yuuko-k8s (10.42.3.0/24) peers with Router-Home, which passes it to Router-Mine over ZeroTier.
    for (const router of ["router-home", "router-mine"]) {
      const out = await h.bird(router, "show route all 10.42.3.0/24");
      tt.regex(out, /BGP\.community: .*\(0,0\)/, router);
      tt.regex(out, /BGP\.community: .*\(64514,100\)/, router);
      tt.regex(out, /BGP\.community: .*\(65000,100\)/, router);
      tt.regex(out, /BGP\.large_community: \(64514, 3, 1\)/, router);
    }
    // eBGP: LOCAL_PREF stays on the speaker (GoBGP sends it to iBGP peers only).
    const rib = await output(["gobgp", "-p", "50051", "global", "rib", "-a", "ipv4", "-j"], {
      netns: nsName("crd2", "yuuko-k8s"),
      timeoutMs: 5000,
    });
    tt.regex(rib, /"local_pref"\s*:\s*200|"value"\s*:\s*200/, rib);
  } finally {
    await h.down();
    rmSync(dir, { recursive: true, force: true });
  }
});
