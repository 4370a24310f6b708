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
import { output, run } from "../../../../lab/util/exec.ts";
import { listNetns } from "../../../../lab/util/netns.ts";
import { waitFor } from "../../../../lab/util/wait.ts";
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

/** Two Services: web (Local, its one backend at the mine site) and api (Cluster, a backend on
 * every node, as the netns runtime requires of Cluster). */
const SERVICES = `
services:
  - name: web
    labels: { app: web }
    loadBalancerIPs: [10.99.0.10]
    externalTrafficPolicy: Local
    backends: [nano-pod1]
  - name: api
    namespace: shop
    loadBalancerIPs: [10.99.0.20]
    backends: [yuuko-k8s-pod2, sakamoto-pod2, nano-pod2]
`;

/** Picks web by the label Cilium adds, api by the "NotIn a value nobody has" idiom (every Service). */
const SERVICE_ADVERTISEMENTS = `    - advertisementType: Service
      service:
        addresses: [LoadBalancerIP]
      selector:
        matchExpressions:
          - { key: io.kubernetes.service.name, operator: In, values: [web] }
      attributes:
        communities:
          standard: ["64514:200"]
    - advertisementType: Service
      service:
        addresses: [LoadBalancerIP]
      selector:
        matchExpressions:
          - { key: io.kubernetes.service.namespace, operator: In, values: [shop] }
`;

/** The next hops of the BGP routes BIRD lists for a prefix (`show route for ... all`), sorted. */
function bgpNextHops(out: string): string[] {
  return [...out.matchAll(/BGP\.next_hop: (\S+)/g)].map((m) => m[1] as string).sort();
}

t(
  "an advertisement's communities reach both routers; LOCAL_PREF is on the speaker's route; Service LoadBalancer IPs are advertised and reached",
  async (tt) => {
    const dir = configsWith("advertisement.yaml", (s) => `${s}${ATTRIBUTES}${SERVICE_ADVERTISEMENTS}`);
    writeFileSync(
      join(dir, "topology.yaml"),
      `${readFileSync(join(dir, "topology.yaml"), "utf8")}${SERVICES}`,
    );
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

      // web, externalTrafficPolicy Local: only nano (its backend's node) advertises the /32, with
      // the advertisement's community; Router-Home has it from Router-Mine over ZeroTier.
      await waitForRoute(h, "router-home", "10.99.0.10/32");
      const webMine = await h.bird("router-mine", "show route for 10.99.0.10/32 all");
      tt.deepEqual(bgpNextHops(webMine), ["192.168.6.81"], webMine);
      tt.regex(webMine, /BGP\.community: .*\(64514,200\)/, webMine);
      const webHome = await h.bird("router-home", "show route for 10.99.0.10/32 all");
      tt.deepEqual(bgpNextHops(webHome), ["192.168.191.12"], webHome);
      tt.regex(webHome, /BGP\.community: .*\(64514,200\)/, webHome);
      // api, Cluster: every node advertises it; each router also has it from the other router and
      // prefers its own site's nodes (the shorter AS path).
      const apiMine = await h.bird("router-mine", "show route for 10.99.0.20/32 all");
      tt.deepEqual(bgpNextHops(apiMine), ["192.168.191.10", "192.168.6.80", "192.168.6.81"], apiMine);
      tt.regex(apiMine, /\* \(100\).*\n\s+via 192\.168\.6\.8[01] /, apiMine);
      const apiHome = await h.bird("router-home", "show route for 10.99.0.20/32 all");
      tt.deepEqual(bgpNextHops(apiHome), ["192.168.0.81", "192.168.191.12"], apiHome);
      tt.regex(apiHome, /\* \(100\).*\n\s+via 192\.168\.0\.81 /, apiHome);
      // A pod at the home site reaches web's LoadBalancer IP, answered by nano-pod1 at the mine site.
      const reply = await run(["ping", "-n", "-c", "2", "-i", "0.2", "-W", "2", "10.99.0.10"], {
        netns: nsName("crd2", "yuuko-k8s-pod1"),
        allowFailure: true,
        timeoutMs: 10_000,
      });
      tt.regex(reply.stdout, /2 received/, `${reply.stdout}${reply.stderr}`);
      tt.regex(reply.stdout, /from 10\.99\.0\.10: .*ttl=60/, reply.stdout);
    } finally {
      await h.down();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

/** BGP needs a moment after `up` converged on the pod CIDRs to carry the Service routes across. */
async function waitForRoute(
  h: { bird(router: string, cmd: string): Promise<string> },
  router: string,
  prefix: string,
) {
  await waitFor(
    async () =>
      /\[AS\d+/.test(await h.bird(router, `show route for ${prefix}`)) || `${prefix} not yet on ${router}`,
    { what: `${prefix} on ${router}`, budgetMs: 30_000, intervalMs: 200 },
  );
}
