// How the engine brings a lab to a scenario's starting point, whichever runtime: fresh when
// nothing runs, reconverged when the running lab has the scenario's configs, reconfigured in place
// when the runtime can and the configs differ, fresh when it cannot or the lab is dirty, and
// nothing at all when the runtime refuses a step. The driver here records what the engine asks
// of it (its lab has no routers or nodes, so no watcher starts); both real drivers run the same
// engine against real labs in tests/integration (scenarios-quick, clab-driver).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import type { CheckResult, UpResult } from "../../lab/runtime/runtime.ts";
import type { FaultOutcome, LabDriver, RecordEvent, SpeakerNeighbor } from "../../lab/scenario/driver.ts";
import { runScenario } from "../../lab/scenario/engine.ts";
import type { Scenario, ScenarioStep, Variant } from "../../lab/scenario/model.ts";
import { loadLab } from "../../lab/topology/load.ts";
import type { Lab } from "../../lab/topology/model.ts";

const seed = await loadLab();
// Nodes but no routers: the speakers' watch is the driver's own, and no BIRD log or route
// monitor starts. A PeerConfig variant changes the nodes' speaker settings, so the lab's configs.
const lab: Lab = { ...seed, name: "prep", routers: [] };
const SEED: Variant = { name: "seed", routers: {} };
const OTHER: Variant = {
  name: "other",
  routers: {},
  peerConfig: { gracefulRestart: { enabled: true, restartTimeSeconds: 99 } },
};

function scenario(
  prepare: Scenario["prepare"],
  steps: ScenarioStep[] = [{ kind: "wait", ms: 1, line: 5 }],
): Scenario {
  return {
    name: "prep",
    title: "prepare",
    file: "prep.yaml",
    quick: true,
    prepare,
    variants: [SEED],
    steps,
    metrics: [],
  };
}

class RecordingDriver implements LabDriver {
  readonly runtime = "netns" as const;
  readonly convergeBudgetMs = 1000;
  readonly convergeIntervalMs = 50;
  calls: string[] = [];
  up_ = false;
  converged = true;
  refuse: string | undefined;
  constructor(
    readonly dir: string,
    canReconfigure: boolean,
  ) {
    if (!canReconfigure) this.reconfigure = undefined;
  }
  async preflight(): Promise<void> {}
  cidrMap = new Map<string, string>();
  async podCidrMap(): Promise<Map<string, string>> {
    return this.cidrMap;
  }
  unsupported(s: Scenario) {
    return this.refuse ? s.steps.map((step) => ({ step, why: this.refuse as string })) : [];
  }
  isUp(): boolean {
    return this.up_;
  }
  stateDir(): string {
    return this.dir;
  }
  async up(): Promise<UpResult> {
    this.calls.push("up");
    this.up_ = true;
    return { alreadyUp: false };
  }
  async down(): Promise<void> {
    this.calls.push("down");
    this.up_ = false;
  }
  async convergence(): Promise<CheckResult[]> {
    this.calls.push("convergence");
    return [{ name: "sessions", ok: this.converged, problems: this.converged ? [] : ["r1: Active"] }];
  }
  reconfigure?: (l: Lab) => Promise<string> = async (l) => {
    this.calls.push(`reconfigure ${l.routers.map((r) => r.birdConf).join(",")}`);
    return "configured";
  };
  async bird(_lab: Lab, _router: string, _command: string): Promise<string> {
    throw new Error("no routers");
  }
  async enter(): Promise<string> {
    throw new Error("no elements");
  }
  async addressOf(): Promise<string> {
    throw new Error("no elements");
  }
  async speakerNeighbors(): Promise<SpeakerNeighbor[]> {
    return [];
  }
  birdLogFile(): string {
    return "/nonexistent";
  }
  async watchSpeaker(_lab: Lab, _node: string, _record: RecordEvent): Promise<() => Promise<void>> {
    return async () => {};
  }
  async fault(): Promise<FaultOutcome> {
    return { detail: "" };
  }
}

function setup(canReconfigure = true) {
  const dir = mkdtempSync(join(tmpdir(), "xs-prepare-"));
  return {
    dir,
    driver: new RecordingDriver(dir, canReconfigure),
    done: () => rmSync(dir, { recursive: true, force: true }),
  };
}

const state = (dir: string) =>
  JSON.parse(readFileSync(join(dir, "scenario-state.json"), "utf8")) as { key: string; dirty: boolean };

test("nothing running: a fresh lab (down, then up), and the configs it was started with are recorded", async (t) => {
  const { dir, driver, done } = setup();
  t.teardown(done);
  const r = await runScenario(lab, scenario("reconverged"), SEED, { driver });
  t.is(r.status, "pass");
  t.is(r.preparation, "fresh");
  t.deepEqual(driver.calls, ["down", "up"]);
  t.false(state(dir).dirty);
});

test("running with the same configs: waited back to converged, not rebuilt", async (t) => {
  const { driver, done } = setup();
  t.teardown(done);
  await runScenario(lab, scenario("reconverged"), SEED, { driver });
  driver.calls = [];
  const r = await runScenario(lab, scenario("reconverged"), SEED, { driver });
  t.is(r.preparation, "reconverged");
  t.deepEqual(driver.calls, ["convergence"]);
});

test("a variant on a runtime that can reconfigure: put into the running lab in place", async (t) => {
  const { dir, driver, done } = setup(true);
  t.teardown(done);
  await runScenario(lab, scenario("reconverged"), SEED, { driver });
  const before = state(dir).key;
  driver.calls = [];
  const r = await runScenario(lab, scenario("reconverged"), OTHER, { driver });
  t.is(r.preparation, "reconfigured");
  t.deepEqual(driver.calls, ["reconfigure ", "convergence"], "configured in place, then waited for");
  t.not(state(dir).key, before);
});

test("a variant on a runtime that cannot reconfigure, or a dirty lab: a fresh lab", async (t) => {
  const { dir, driver, done } = setup(false);
  t.teardown(done);
  await runScenario(lab, scenario("reconverged"), SEED, { driver });
  driver.calls = [];
  const r = await runScenario(lab, scenario("reconverged"), OTHER, { driver });
  t.is(r.preparation, "fresh");
  t.deepEqual(driver.calls, ["down", "up"]);
  writeFileSync(join(dir, "scenario-state.json"), JSON.stringify({ ...state(dir), dirty: true }));
  driver.calls = [];
  const again = await runScenario(lab, scenario("reconverged"), OTHER, { driver });
  t.is(again.preparation, "fresh");
  t.deepEqual(driver.calls, ["down", "up"]);
});

test("a running lab that does not reconverge within the budget is rebuilt, with a warning", async (t) => {
  const { driver, done } = setup();
  t.teardown(done);
  await runScenario(lab, scenario("reconverged"), SEED, { driver });
  driver.converged = false;
  driver.calls = [];
  const warnings: string[] = [];
  const r = await runScenario(lab, scenario("reconverged"), SEED, {
    driver,
    convergeBudgetMs: 200,
    progress: (e) => {
      if (e.kind === "warn") warnings.push(e.message);
    },
  });
  t.is(r.preparation, "fresh");
  t.is(driver.calls.filter((c) => c === "convergence").length >= 2, true);
  t.deepEqual(driver.calls.slice(-2), ["down", "up"]);
  t.regex(warnings[0] ?? "", /did not reconverge \(sessions: r1: Active\); starting fresh/);
});

test("prepare: fresh always rebuilds; prepare: down only removes", async (t) => {
  const { driver, done } = setup();
  t.teardown(done);
  await runScenario(lab, scenario("reconverged"), SEED, { driver });
  driver.calls = [];
  await runScenario(lab, scenario("fresh"), SEED, { driver });
  t.deepEqual(driver.calls, ["down", "up"]);
  driver.calls = [];
  const r = await runScenario(
    lab,
    scenario("down", [{ kind: "fault", fault: { kind: "lab", action: "up" }, line: 3 }]),
    SEED,
    {
      driver,
    },
  );
  t.is(r.status, "pass");
  t.deepEqual(driver.calls, ["down", "up"], "the scenario's own `lab up` step brings it up");
});

test("a step the runtime refuses: skipped with the line and why, the lab untouched", async (t) => {
  const { driver, done } = setup();
  t.teardown(done);
  driver.refuse = "cannot do that here";
  const r = await runScenario(lab, scenario("reconverged"), SEED, { driver });
  t.is(r.status, "skipped");
  t.is(r.skipReason, "line 5: cannot do that here");
  t.deepEqual(driver.calls, []);
});

test("event sources that fail to start stop the ones already started, and the scenario says why", async (t) => {
  const { driver, done } = setup();
  t.teardown(done);
  const started: string[] = [];
  const stopped: string[] = [];
  driver.watchSpeaker = async (_l: Lab, node: string) => {
    if (started.length === 1) throw new Error(`no agent on ${node}`);
    started.push(node);
    return async () => void stopped.push(node);
  };
  await driver.up();
  const r = await runScenario(lab, scenario("reconverged"), SEED, { driver, convergeBudgetMs: 200 });
  t.is(r.status, "error");
  t.regex(r.error ?? "", /^no agent on /);
  t.deepEqual(stopped, started, "the first node's watch was stopped again");
});

test("pod CIDRs the cluster allocated differently: expectations asked, events reported, in topology terms", async (t) => {
  const { driver, done } = setup();
  t.teardown(done);
  // This cluster gave yuuko-k8s 10.42.2.0/24 where the topology (and the scenario) say 10.42.3.0/24.
  driver.cidrMap = new Map([["10.42.3.0/24", "10.42.2.0/24"]]);
  const asked: string[] = [];
  driver.bird = async (_l: Lab, router: string, command: string) => {
    asked.push(`${router}: ${command}`);
    return "Table master4:\n10.42.2.0/24         unicast [yuuko_k8s 2026-11-26 09:00:00.000] * (100) [AS64514i]\n\tvia 192.168.6.10 on lan0";
  };
  driver.watchSpeaker = async (_l: Lab, node: string, record: RecordEvent) => {
    if (node === "yuuko-k8s")
      record({
        t: Date.now(),
        kind: "route",
        router: "router-home",
        prefix: "10.42.2.0/24",
        change: "add",
        source: "netlink",
      });
    return async () => {};
  };
  const steps: ScenarioStep[] = [
    {
      kind: "expect",
      expect: { kind: "route", on: "router-home", prefix: "10.42.3.0/24", table: "bird", present: true },
      withinMs: 1000,
      line: 7,
    },
  ];
  const r = await runScenario(lab, scenario("reconverged", steps), SEED, { driver });
  t.is(r.status, "pass", JSON.stringify(r.steps));
  t.true(asked.includes("router-home: show route"));
  const routes = r.events.filter((e) => e.kind === "route");
  t.deepEqual(
    routes.map((e) => (e.kind === "route" ? e.prefix : "")),
    ["10.42.3.0/24"],
  );
  t.true(
    r.events.some(
      (e) => e.kind === "note" && e.message === "pod CIDRs: 10.42.3.0/24 is 10.42.2.0/24 in this lab",
    ),
  );
});
