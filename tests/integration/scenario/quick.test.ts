// The quick scenario set against the real lab, through the CLI as a user runs it: every
// scenario passes, every bounded metric is inside its bound, and all report formats appear.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { gobgpTools } from "../../../lab/gobgp/binary.ts";
import type { RunReport } from "../../../lab/scenario/types.ts";
import { listNetns } from "../../../lab/util/netns.ts";
import { useSeedLab } from "../../helpers/lab-fixture.ts";
import { integrationTests, netnsUnavailable } from "../../helpers/root.ts";

const why = netnsUnavailable();
const t = integrationTests("scenarios-quick", why);

const NAME = "itquick";
// Removes the lab before the run (a leftover of an earlier one) and after it.
useSeedLab(NAME, why);
const out = mkdtempSync(join(tmpdir(), "scenarios-quick-"));
let report: RunReport;
let exitCode: number | null;
let stdout = "";

test.before(() => {
  if (why) return;
  const r = spawnSync("npx", ["tsx", "scripts/lab.ts", "run", "--quick", "--name", NAME, "--out", out], {
    encoding: "utf8",
    timeout: 12 * 60_000,
    env: { ...process.env, GITHUB_STEP_SUMMARY: "" },
  });
  exitCode = r.status;
  stdout = r.stdout;
  if (existsSync(join(out, "report.json")))
    report = JSON.parse(readFileSync(join(out, "report.json"), "utf8")) as RunReport;
  else console.log(r.stderr.slice(-4000));
});

test.after.always(() => {
  rmSync(out, { recursive: true, force: true });
});

t("the quick set passes: exit 0, every scenario and variant passed", (tt) => {
  tt.log(stdout);
  tt.truthy(report, "report.json was written");
  const failed = report.results
    .filter((r) => r.status !== "pass")
    .map((r) => `${r.scenario}/${r.variant}: ${r.status} ${r.error ?? ""}`);
  tt.deepEqual(failed, []);
  tt.is(exitCode, 0);
});

t("every bounded metric with a value is inside its bound", (tt) => {
  const out = report.results.flatMap((r) =>
    r.metrics
      .filter((m) => m.withinBound === false)
      .map((m) => `${r.scenario}/${r.variant} ${m.name}=${m.value} ${JSON.stringify(m.bound)}`),
  );
  tt.deepEqual(out, []);
});

t(
  "measured from events: BFD detects the silent outage in under 1.5 s, the seed's hold timer not within 30 s",
  (tt) => {
    const seed = report.results.find((r) => r.scenario === "zt-outage-30s" && r.variant === "seed");
    const bfd = report.results.find((r) => r.scenario === "zt-outage-30s" && r.variant === "bfd");
    const metric = (r: typeof seed, n: string) => r?.metrics.find((m) => m.name === n)?.value;
    tt.is(metric(seed, "detect_mine_ms"), null, "240 s hold: a 30 s outage goes unnoticed");
    tt.true((metric(bfd, "detect_mine_ms") ?? Number.POSITIVE_INFINITY) < 1500);
    tt.true((metric(seed, "blackhole_ms") ?? 0) >= 29_000, "pods are blackholed for the whole outage");
  },
);

t("graceful restart keeps yuuko's pods reachable through a speaker restart", (tt) => {
  const off = report.results.find((r) => r.scenario === "speaker-restart" && r.variant === "gr-off");
  const on = report.results.find((r) => r.scenario === "speaker-restart" && r.variant === "gr-on");
  const blackhole = (r: typeof on) => r?.metrics.find((m) => m.name === "blackhole_ms")?.value ?? null;
  tt.true((blackhole(off) ?? 0) > 1000, `gr-off blackhole ${blackhole(off)} ms`);
  tt.true((blackhole(on) ?? Number.POSITIVE_INFINITY) < 500, `gr-on blackhole ${blackhole(on)} ms`);
  // restartTimeSeconds 5 is shorter than the agent's 10 s boot: the stale route goes first.
  const short = report.results.find((r) => r.scenario === "speaker-restart" && r.variant === "gr-short");
  tt.true((blackhole(short) ?? 0) > 1000, `gr-short blackhole ${blackhole(short)} ms`);
});

t("reports: JSON, JUnit, Markdown and one SVG timeline per run", (tt) => {
  const files = readdirSync(out);
  for (const f of ["report.json", "junit.xml", "report.md"]) tt.true(files.includes(f), f);
  tt.is(files.filter((f) => f.endsWith(".svg")).length, report.results.length);
  tt.regex(readFileSync(join(out, "junit.xml"), "utf8"), /^<\?xml[^>]*\?>\s*<testsuites/);
  // Every report names what produced it: the GoBGP that ran, BIRD, the kernel.
  for (const r of report.results)
    tt.like(r.versions, { runtime: "netns", gobgp: gobgpTools().version ?? "" });
  tt.regex(readFileSync(join(out, "report.md"), "utf8"), /Versions: runtime netns · BIRD \d/);
});

t("the lab is gone afterwards (run removes it unless --keep)", async (tt) => {
  tt.deepEqual(
    (await listNetns()).filter((n) => n.startsWith(`${NAME}-`)),
    [],
  );
});
