// `lab diff` end to end on a repository built here: the project's configs committed in a temp git
// repository (the lab code stays the working tree's). Against itself the tree reports no change
// and exits 0; a commit that adds an export filter on Router-Home's session to Router-Mine
// rejecting 10.42.3.0/24 exits 1, naming the route gone at router-mine, the session export that
// dropped it and the pod pairs that lost reachability; an interrupt exits 130. Both labs are gone
// after every run.
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import type { DiffReport } from "../../../lab/diff/model.ts";
import { labsRoot } from "../../../lab/runtime/workdir.ts";
import { CLEAN, REPO_ROOT, residue, runCli } from "../../helpers/host-snapshot.ts";
import { integrationTests, netnsUnavailable } from "../../helpers/root.ts";

const why = netnsUnavailable();
const t = integrationTests("diff", why);
const NAME = "df1";
const LABS = [`${NAME}b`, `${NAME}h`];

let repo = "";
const git = (...args: string[]) =>
  execFileSync("git", ["-C", repo, "-c", "user.name=lab", "-c", "user.email=lab@example.invalid", ...args], {
    encoding: "utf8",
  });

test.before(() => {
  if (why) return;
  repo = mkdtempSync(join(tmpdir(), "lab-diff-repo-"));
  cpSync(join(REPO_ROOT, "configs"), join(repo, "configs"), { recursive: true });
  git("init", "-q");
  git("add", "-A");
  git("commit", "-qm", "the seed");
});

test.after.always(async () => {
  if (why) return;
  // Only if a run died without its cleanup: remove what is left through the CLI itself.
  for (const lab of LABS)
    if ((await residue(lab)).namespaces.length) await runCli(["down", "--name", lab]).exited;
  if (repo) rmSync(repo, { recursive: true, force: true });
});

const report = () =>
  JSON.parse(readFileSync(join(labsRoot(), "diff", NAME, "report.json"), "utf8")) as DiffReport;

async function labsGone(tt: { deepEqual: (a: unknown, b: unknown, m?: string) => void }) {
  for (const lab of LABS) tt.deepEqual(await residue(lab), CLEAN, `${lab} removed`);
}

t("a tree against itself: no change in routing or behaviour, exit 0, both labs gone", async (tt) => {
  const cli = runCli(["diff", "--repo", repo, "--base", "HEAD", "--scenarios", "none", "--name", NAME]);
  const exit = await cli.exited;
  tt.log(
    cli
      .stderr()
      .trim()
      .split("\n")
      .filter((l) => /^\[/.test(l))
      .join("\n"),
  );
  tt.is(exit.code, 0, cli.stdout() + cli.stderr());
  tt.regex(cli.stdout(), /no change in routing or behaviour/);
  const r = report();
  tt.deepEqual(r.differences, []);
  tt.deepEqual(r.snapshots.base, r.snapshots.head);
  tt.true(r.guards.length > 5 && r.guards.every((g) => g.ok === true));
  tt.is(r.head.ref, "working tree");
  await labsGone(tt);
});

t(
  "an export filter dropping 10.42.3.0/24 towards Router-Mine: exit 1, the route, the export and reachability named",
  async (tt) => {
    const conf = join(repo, "configs/routers/router-home/bird.conf");
    const text = readFileSync(conf, "utf8");
    const session = "protocol bgp router_mine from router_peer {\n  neighbor 192.168.191.12 as 64513;\n";
    tt.true(text.includes(session), "the seed's session block as this test expects it");
    writeFileSync(
      conf,
      text.replace(session, `${session}  ipv4 {\n    export where net != 10.42.3.0/24;\n  };\n`),
    );
    git("commit", "-qam", "router-home: stop announcing yuuko-k8s's pods to router-mine");
    const cli = runCli(["diff", "--repo", repo, "--base", "HEAD~1", "--scenarios", "none", "--name", NAME]);
    const exit = await cli.exited;
    tt.log(cli.stdout());
    tt.is(exit.code, 1, cli.stderr());
    const out = cli.stdout();
    tt.regex(
      out,
      /^router-mine\s+10\.42\.3\.0\/24\s+router_home\s+\*\s+removed/m,
      "the route missing at router-mine",
    );
    tt.regex(
      out,
      /^router-home\s+router_mine\s+192\.168\.191\.12\s+10\.42\.3\.0\/24\s+removed/m,
      "the export that dropped it",
    );
    tt.regex(out, /^router-home\s+router_mine\s+192\.168\.191\.12\s+changed\s+exportFilter ACCEPT -> /m);
    tt.regex(out, /^sakamoto-pod1\s+yuuko-k8s-pod1\s+ICMP\s+LOST/m, "reachability lost");
    tt.regex(out, /FAIL: .*reachability lost/);
    const r = report();
    tt.true(r.differences.includes("route router-mine 10.42.3.0/24 router_home removed"));
    tt.true(r.differences.includes("export router-home router_mine 10.42.3.0/24 removed"));
    tt.true(r.differences.includes("reachability sakamoto-pod1 yuuko-k8s-pod1 icmp lost"));
    tt.false(r.head.settled?.converged, "the head cannot converge by the seed's checks");
    tt.true(r.base.settled?.converged);
    tt.false(r.guards.find((g) => g.name.includes("route 10.42.3.0/24 at router-mine"))?.ok);
    const junit = readFileSync(join(labsRoot(), "diff", NAME, "junit.xml"), "utf8");
    tt.regex(
      junit,
      /<testcase classname="differences" name="reachability sakamoto-pod1 yuuko-k8s-pod1 icmp lost">\s*<failure/,
    );
    await labsGone(tt);
  },
);

t("Ctrl-C while the labs come up: exit 130 and both labs removed", async (tt) => {
  const cli = runCli(["diff", "--repo", repo, "--base", "HEAD~1", "--scenarios", "none", "--name", NAME]);
  tt.truthy(await cli.line(/bringing up/), cli.stderr());
  // Into the bring-up: namespaces and daemons exist by now.
  await new Promise((r) => setTimeout(r, 2500));
  cli.killGroup("SIGINT");
  const exit = await cli.exited;
  tt.true(exit.code === 130 || exit.signal === "SIGINT", `exit ${exit.code}/${exit.signal}\n${cli.stderr()}`);
  tt.regex(cli.stderr(), /diff: interrupted \(SIGINT\)/);
  await labsGone(tt);
});
