// The three-site example as a user runs it: `run transit-failover --variant bfd` with the
// example's topology. Only the home-mine path is cut; pods between home and mine must flow
// through router-office once BFD notices, and back on the direct path after the heal. The seed
// variant (240 s hold timer, minutes) runs with `make scenarios`, not here.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import type { LabEvent, RunReport } from "../../../lab/scenario/types.ts";
import { listNetns } from "../../../lab/util/netns.ts";
import { useSeedLab } from "../../helpers/lab-fixture.ts";
import { integrationTests, netnsUnavailable } from "../../helpers/root.ts";

const why = netnsUnavailable();
const t = integrationTests("transit-failover", why);

const NAME = "ittrans";
const TOPOLOGY = "configs/examples/three-sites/topology.yaml";
const OFFICE_ZT = "192.168.191.14";
useSeedLab(NAME, why, TOPOLOGY);
const out = mkdtempSync(join(tmpdir(), "transit-failover-"));
let report: RunReport;
let exitCode: number | null;

test.before(() => {
  if (why) return;
  const r = spawnSync(
    "npx",
    [
      "tsx",
      "scripts/lab.ts",
      "run",
      "transit-failover",
      "--variant",
      "bfd",
      "--topology",
      TOPOLOGY,
      "--name",
      NAME,
      "--out",
      out,
    ],
    { encoding: "utf8", timeout: 5 * 60_000, env: { ...process.env, GITHUB_STEP_SUMMARY: "" } },
  );
  exitCode = r.status;
  if (existsSync(join(out, "report.json")))
    report = JSON.parse(readFileSync(join(out, "report.json"), "utf8")) as RunReport;
  else console.log(r.stderr.slice(-4000));
});

test.after.always(() => rmSync(out, { recursive: true, force: true }));

const result = () => report.results.find((r) => r.scenario === "transit-failover" && r.variant === "bfd");
const metric = (n: string) => result()?.metrics.find((m) => m.name === n);

t("the bfd variant passes with every bounded metric inside its bound", (tt) => {
  tt.truthy(report, "report.json was written");
  tt.is(result()?.status, "pass", result()?.error);
  tt.deepEqual(
    (result()?.metrics ?? [])
      .filter((m) => m.withinBound === false)
      .map((m) => `${m.name}=${m.value} ${JSON.stringify(m.bound)}`),
    [],
  );
  tt.is(exitCode, 0);
});

t("both FIBs moved to router-office after BFD saw the direct session go, and back after the heal", (tt) => {
  for (const name of ["detect_home_ms", "detect_mine_ms", "via_office_home_ms", "via_office_mine_ms"]) {
    const m = metric(name);
    tt.not(m?.value ?? null, null, `${name} measured`);
    tt.true(m?.bound?.max !== undefined && m.bound.why.startsWith("BFD"), `${name}: ${m?.bound?.why}`);
  }
  // The switch follows the session drop on each side, never precedes it.
  tt.true((metric("via_office_home_ms")?.value ?? 0) >= (metric("detect_home_ms")?.value ?? 0));
  tt.not(metric("back_direct_ms")?.value ?? null, null);
  const events = result()?.events ?? [];
  const viaOffice = events.filter(
    (e): e is Extract<LabEvent, { kind: "route" }> =>
      e.kind === "route" && e.router === "router-home" && e.change === "add" && e.via === OFFICE_ZT,
  );
  tt.true(viaOffice.length > 0, "router-home routed through the office");
});

t("the cut was the home-mine pair only: no session to router-office went down", (tt) => {
  const drops = (result()?.events ?? []).filter(
    (e) => e.kind === "session" && e.state === "down" && /office/.test(e.peer),
  );
  tt.deepEqual(drops, []);
});

t("nothing of the lab is left behind", async (tt) => {
  tt.deepEqual(
    (await listNetns()).filter((n) => n.startsWith(`${NAME}-`)),
    [],
  );
});
