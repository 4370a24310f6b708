// authSecretRef and CiliumBGPNodeConfigOverride on a real netns lab (one lab, cr1): a Secret in
// the Cilium manifests gives every speaker the TCP MD5 password that both routers' bird.conf also
// set, so the sessions come up signed (the kernel holds the key on both ends of the connection),
// and yuuko-k8s's override gives its session another router ID and its source address; then
// Router-Home's password changes under BIRD and the convergence diagnosis names the MD5 mismatch
// from the kernel's counters, since BIRD itself reports no error.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkSessions } from "../../../../lab/observe/convergence.ts";
import { netnsKind } from "../../../../lab/runtime/netns/kind.ts";
import { loadLab } from "../../../../lab/topology/load.ts";
import { run, type Where } from "../../../../lab/util/exec.ts";
import { waitFor } from "../../../../lab/util/wait.ts";
import { integrationTests, netnsUnavailable } from "../../../helpers/root.ts";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const why = await netnsUnavailable();
const t = integrationTests("crd-auth", why);

const OVERRIDE = `apiVersion: cilium.io/v2
kind: CiliumBGPNodeConfigOverride
metadata:
  name: yuuko-k8s
spec:
  bgpInstances:
    - name: instance-64514
      routerID: 10.9.9.9
      peers:
        - name: router-home
          localAddress: 192.168.0.81
`;

const SECRET = `apiVersion: v1
kind: Secret
metadata:
  name: bgp-auth
  namespace: kube-system
stringData:
  password: s3cret
`;

/** Every node protocol of a bird.conf (neighbor ... as 64514) with a password. */
const withPassword = (conf: string, password: string) =>
  conf.replace(/(neighbor 192\.168\.\d+\.\d+ as 64514;)/g, `$1\n  password "${password}";`);

/** A copy of configs/ with the Secret, the PeerConfig naming it and both routers' passwords. */
function configs(): string {
  const dir = mkdtempSync(join(tmpdir(), "crd-auth-"));
  cpSync(join(ROOT, "configs"), dir, { recursive: true });
  const edit = (file: string, f: (s: string) => string) =>
    writeFileSync(join(dir, file), f(readFileSync(join(dir, file), "utf8")));
  writeFileSync(join(dir, "k8s/cilium/bgp-auth.yaml"), SECRET);
  writeFileSync(join(dir, "k8s/cilium/override.yaml"), OVERRIDE);
  edit("k8s/cilium/peer-config.yaml", (s) => s.replace("spec:\n", "spec:\n  authSecretRef: bgp-auth\n"));
  for (const r of ["router-home", "router-mine"])
    edit(`routers/${r}/bird.conf`, (s) => withPassword(s, "s3cret"));
  return dir;
}

/** `ss -e` of the connection to `peer`: md5keys:<peer>/32=<password> when it is signed (ss
 * writes the password itself unbuffered, so it lands ahead of the rest of the output). */
async function md5Keys(where: Where, peer: string): Promise<{ keys: string; output: string }> {
  const r = await run(["ss", "-tnie", "state", "established", "dst", peer], {
    netns: where,
    timeoutMs: 3000,
  });
  return { keys: /md5keys:(\S+)/.exec(r.stdout)?.[1] ?? "", output: r.stdout };
}

t(
  "matching passwords: sessions Established and signed, yuuko-k8s with its override's router ID; a changed router password is named as an MD5 mismatch",
  async (tt) => {
    const dir = configs();
    const lab = { ...(await loadLab(join(dir, "topology.yaml"))), name: "cr1" };
    const h = netnsKind.open(lab);
    try {
      await h.up({ budgetMs: 90_000 });
      const sessions = await checkSessions(h);
      tt.deepEqual(sessions.problems, []);
      const proto = await h.bird("router-home", "show protocols all yuuko_k8s");
      tt.regex(proto, /BGP state:\s+Established/);
      // The override's router ID is what BIRD learnt in yuuko-k8s's OPEN (by default its address).
      tt.regex(proto, /Neighbor ID:\s+10\.9\.9\.9/, proto);
      tt.regex(proto, /Neighbor address:\s+192\.168\.0\.81/);
      // Both ends of the yuuko-k8s <-> Router-Home connection carry the key (RFC 2385 signs every segment).
      for (const [end, peer] of [
        ["router-home", "192.168.0.81"],
        ["yuuko-k8s", "192.168.0.1"],
      ] as const) {
        const ss = await md5Keys(await h.enter(end), peer);
        tt.is(ss.keys, `${peer}/32=`, ss.output);
        tt.true(ss.output.includes("s3cret"), ss.output);
      }

      // Router-Home now expects another password; the agent restarts (its speaker dials at once).
      const wrong = join(dir, "router-home-wrong.conf");
      writeFileSync(
        wrong,
        readFileSync(join(dir, "routers/router-home/bird.conf"), "utf8").replaceAll('"s3cret"', '"other"'),
      );
      await h.faults.configureBird("router-home", wrong);
      const stopped = await h.faults.stopSpeaker("yuuko-k8s", "kill");
      await h.faults.startSpeaker("yuuko-k8s", stopped.token, 0);
      let problem = "";
      // Bound: gobgpd dials 1-2 s after it starts; its first signed SYN is dropped and counted.
      await waitFor(
        async () => {
          const r = await checkSessions(h);
          problem = r.problems.find((p) => p.startsWith("router-home: protocol yuuko_k8s")) ?? "";
          return /TCP MD5 mismatch/.test(problem) || problem || "no problem yet";
        },
        { what: "the MD5 mismatch diagnosed", budgetMs: 30_000, intervalMs: 500 },
      );
      tt.log(problem);
      tt.regex(problem, /to 192\.168\.0\.81 is start\/(Connect|Active)/);
      tt.regex(problem, /TcpExtTCPMD5Failure/, problem);
      tt.regex(problem, /yuuko-k8s's speaker signs with the password of Secret kube-system\/bgp-auth/);
      tt.regex(problem, /BIRD reports no error for it/);
    } finally {
      await h.down();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
