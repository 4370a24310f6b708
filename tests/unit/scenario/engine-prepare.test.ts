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
import { expectedRoutesAllocated } from "../../../lab/observe/convergence.ts";
import type {
  DownResult,
  FaultActions,
  FibRoute,
  LabHandle,
  LinkState,
  RecordEvent,
  RuntimeKind,
  SpeakerInstance,
  StatusExtras,
  UpResult,
} from "../../../lab/runtime/kind.ts";
import { runScenario } from "../../../lab/scenario/engine.ts";
import type { Scenario, ScenarioStep, Variant } from "../../../lab/scenario/model.ts";
import { addressInModel } from "../../../lab/topology/elements.ts";
import type { Lab } from "../../../lab/topology/model.ts";
import { copyConfigs, loadCopy, REAL_CONFIGS } from "../../fixtures/lint/lab-copy.ts";

// The seed's configs with no test pods, loaded as the lab loads them (variants rebuild the lab from
// its sources): the recorder answers BIRD, the FIBs, the speakers and the kubelets; nothing pings.
const copy = copyConfigs([
  {
    file: "topology.yaml",
    write: readFileSync(join(REAL_CONFIGS, "topology.yaml"), "utf8").replaceAll("pods: 2", "pods: 0"),
  },
]);
test.after.always(() => copy.dispose());
const lab: Lab = { ...(await loadCopy(copy)), name: "prep" };
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

/** A lab handle that records what the engine asks of it; its convergence is `converged`. */
class RecordingHandle implements LabHandle {
  readonly kind = { name: "recording" } as RuntimeKind;
  readonly convergeBudgetMs = 1000;
  readonly convergeIntervalMs = 50;
  readonly speakerName = "recorder";
  calls: string[] = [];
  up_ = false;
  converged = true;
  refuse: string | undefined;
  lab: Lab = lab;
  constructor(
    readonly dir: string,
    canReconfigure: boolean,
  ) {
    if (!canReconfigure) this.reconfigure = undefined;
  }
  /** Variants change the lab this handle stands for; what it recorded is kept. */
  withLab(l: Lab): LabHandle {
    this.lab = l;
    return this;
  }
  async preflight(): Promise<void> {}
  cidrs = new Map<string, string[]>(lab.nodes.map((n) => [n.name, [n.podCidr.text]]));
  async podCidrs(): Promise<Map<string, string[]>> {
    return this.cidrs;
  }
  unsupported(s: Scenario) {
    return this.refuse ? s.steps.map((step) => ({ step, why: this.refuse as string })) : [];
  }
  isUp(): boolean {
    return this.up_;
  }
  async up(): Promise<UpResult> {
    this.calls.push("up");
    this.up_ = true;
    return { alreadyUp: false };
  }
  async down(): Promise<DownResult> {
    this.calls.push("down");
    this.up_ = false;
    return { removed: {}, found: true, summary: "" };
  }
  reconfigure?: () => Promise<string> = async () => {
    this.calls.push(`reconfigure ${this.lab.routers.map((r) => r.birdConf).join(",")}`);
    return "configured";
  };
  /** A BIRD with no protocols: nothing to wait for, nothing to watch. */
  async bird(_router: string, _command: string): Promise<string> {
    return "";
  }
  /** Exactly the routes convergence expects of this router. */
  async fib(router: string): Promise<FibRoute[]> {
    return expectedRoutesAllocated(this.lab, this.cidrs)
      .filter((r) => r.router === router)
      .map((r) => ({ dst: r.prefix, gateway: r.via }));
  }
  /** The recorder's elements have no namespace: a command "entered" there is `true`, so a route
   * monitor ends at once (a note in the stream) and reads nothing from the host. */
  async enter(): Promise<string[]> {
    return ["true"];
  }
  async addressOf(target: string): Promise<string> {
    return addressInModel(this.lab, target);
  }
  /** Every node's one session: established when the lab is converged. */
  async speakers(): Promise<SpeakerInstance[]> {
    const state = this.converged ? "established" : "active";
    const s = {
      address: "192.0.2.1",
      state,
      localAs: 1,
      peerAs: 2,
      uptimeSince: null,
      received: 0,
      accepted: 0,
      advertised: 0,
    };
    return [{ instance: "i", localAs: 1, sessions: [s] }];
  }
  /** Asked once per round of convergence checks (one remote node): the round is recorded here. */
  async kubeletReachable(): Promise<true | string> {
    this.calls.push("convergence");
    return true;
  }
  birdLogFile(): string {
    return "/nonexistent";
  }
  async watchSpeaker(_node: string, _record: RecordEvent): Promise<() => Promise<void>> {
    return async () => {};
  }
  get faults(): FaultActions {
    throw new Error("no faults here");
  }
  async linkState(): Promise<LinkState> {
    return { data: {}, text: "" };
  }
  async exec(): Promise<number> {
    return 0;
  }
  extraExecTargets(): string[] {
    return [];
  }
  async statusExtras(): Promise<StatusExtras> {
    return { before: { data: {}, lines: [] }, after: { data: {}, lines: [] } };
  }
}

function setup(canReconfigure = true) {
  const dir = mkdtempSync(join(tmpdir(), "xs-prepare-"));
  return {
    dir,
    driver: new RecordingHandle(dir, canReconfigure),
    done: () => rmSync(dir, { recursive: true, force: true }),
  };
}

const state = (dir: string) =>
  JSON.parse(readFileSync(join(dir, "scenario-state.json"), "utf8")) as { key: string; dirty: boolean };

test("nothing running: a fresh lab (down, then up), and the configs it was started with are recorded", async (t) => {
  const { dir, driver, done } = setup();
  t.teardown(done);
  const r = await runScenario(driver, scenario("reconverged"), SEED);
  t.is(r.status, "pass");
  t.is(r.preparation, "fresh");
  t.deepEqual(driver.calls, ["down", "up"]);
  t.false(state(dir).dirty);
});

test("running with the same configs: waited back to converged, not rebuilt", async (t) => {
  const { driver, done } = setup();
  t.teardown(done);
  await runScenario(driver, scenario("reconverged"), SEED);
  driver.calls = [];
  const r = await runScenario(driver, scenario("reconverged"), SEED);
  t.is(r.preparation, "reconverged");
  t.deepEqual(driver.calls, ["convergence"]);
});

test("a variant on a runtime that can reconfigure: put into the running lab in place", async (t) => {
  const { dir, driver, done } = setup(true);
  t.teardown(done);
  await runScenario(driver, scenario("reconverged"), SEED);
  const before = state(dir).key;
  driver.calls = [];
  const r = await runScenario(driver, scenario("reconverged"), OTHER);
  t.is(r.preparation, "reconfigured");
  t.deepEqual(
    driver.calls,
    [`reconfigure ${lab.routers.map((r) => r.birdConf).join(",")}`, "convergence"],
    "configured in place, then waited for",
  );
  t.not(state(dir).key, before);
});

test("a variant on a runtime that cannot reconfigure, or a dirty lab: a fresh lab", async (t) => {
  const { dir, driver, done } = setup(false);
  t.teardown(done);
  await runScenario(driver, scenario("reconverged"), SEED);
  driver.calls = [];
  const r = await runScenario(driver, scenario("reconverged"), OTHER);
  t.is(r.preparation, "fresh");
  t.deepEqual(driver.calls, ["down", "up"]);
  writeFileSync(join(dir, "scenario-state.json"), JSON.stringify({ ...state(dir), dirty: true }));
  driver.calls = [];
  const again = await runScenario(driver, scenario("reconverged"), OTHER);
  t.is(again.preparation, "fresh");
  t.deepEqual(driver.calls, ["down", "up"]);
});

test("a running lab that does not reconverge within the budget is rebuilt, with a warning", async (t) => {
  const { driver, done } = setup();
  t.teardown(done);
  await runScenario(driver, scenario("reconverged"), SEED);
  driver.converged = false;
  driver.calls = [];
  const warnings: string[] = [];
  const r = await runScenario(driver, scenario("reconverged"), SEED, {
    convergeBudgetMs: 200,
    progress: (e) => {
      if (e.kind === "warn") warnings.push(e.message);
    },
  });
  t.is(r.preparation, "fresh");
  t.is(driver.calls.filter((c) => c === "convergence").length >= 2, true);
  t.deepEqual(driver.calls.slice(-2), ["down", "up"]);
  t.regex(
    warnings[0] ?? "",
    /did not reconverge \(BGP sessions Established: \S+: session to 192\.0\.2\.1 \(AS 2\) is active.*\); starting fresh/,
  );
});

test("prepare: fresh always rebuilds; prepare: down only removes", async (t) => {
  const { driver, done } = setup();
  t.teardown(done);
  await runScenario(driver, scenario("reconverged"), SEED);
  driver.calls = [];
  await runScenario(driver, scenario("fresh"), SEED);
  t.deepEqual(driver.calls, ["down", "up"]);
  driver.calls = [];
  const r = await runScenario(
    driver,
    scenario("down", [{ kind: "fault", fault: { kind: "lab", action: "up" }, line: 3 }]),
    SEED,
  );
  t.is(r.status, "pass");
  t.deepEqual(driver.calls, ["down", "up"], "the scenario's own `lab up` step brings it up");
});

test("a step the runtime refuses: skipped with the line and why, the lab untouched", async (t) => {
  const { driver, done } = setup();
  t.teardown(done);
  driver.refuse = "cannot do that here";
  const r = await runScenario(driver, scenario("reconverged"), SEED);
  t.is(r.status, "skipped");
  t.is(r.skipReason, "line 5: cannot do that here");
  t.deepEqual(driver.calls, []);
});

test("event sources that fail to start stop the ones already started, and the scenario says why", async (t) => {
  const { driver, done } = setup();
  t.teardown(done);
  const started: string[] = [];
  const stopped: string[] = [];
  driver.watchSpeaker = async (node: string) => {
    if (started.length === 1) throw new Error(`no agent on ${node}`);
    started.push(node);
    return async () => void stopped.push(node);
  };
  await driver.up();
  const r = await runScenario(driver, scenario("reconverged"), SEED, { convergeBudgetMs: 200 });
  t.is(r.status, "error");
  t.regex(r.error ?? "", /^no agent on /);
  t.deepEqual(stopped, started, "the first node's watch was stopped again");
});

test("pod CIDRs the cluster allocated differently: expectations asked, events reported, in topology terms", async (t) => {
  const { driver, done } = setup();
  t.teardown(done);
  // This cluster gave yuuko-k8s 10.42.2.0/24 where the topology (and the scenario) say 10.42.3.0/24.
  driver.cidrs = new Map(
    lab.nodes.map((n) => [n.name, [n.name === "yuuko-k8s" ? "10.42.2.0/24" : n.podCidr.text]]),
  );
  const asked: string[] = [];
  driver.bird = async (router: string, command: string) => {
    asked.push(`${router}: ${command}`);
    return "Table master4:\n10.42.2.0/24         unicast [yuuko_k8s 2026-11-26 09:00:00.000] * (100) [AS64514i]\n\tvia 192.168.6.10 on lan0";
  };
  driver.watchSpeaker = async (node: string, record: RecordEvent) => {
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
  const r = await runScenario(driver, scenario("reconverged", steps), SEED);
  t.is(r.status, "pass", JSON.stringify(r.steps));
  t.true(asked.includes("router-home: show route"));
  const routes = r.events.flatMap((e) => (e.kind === "route" ? [e] : []));
  // The netlink event the speaker watch injected, in the topology's prefix.
  t.deepEqual(
    routes.filter((e) => e.source === "netlink").map((e) => e.prefix),
    ["10.42.3.0/24"],
  );
  // The FIB snapshot at the start too: the lab's 10.42.2.0/24 never reaches the stream.
  t.true(
    routes.some((e) => e.source === "poll" && e.router === "router-home" && e.prefix === "10.42.3.0/24"),
  );
  t.false(routes.some((e) => e.prefix === "10.42.2.0/24"));
  t.true(
    r.events.some(
      (e) => e.kind === "note" && e.message === "pod CIDRs: 10.42.3.0/24 is 10.42.2.0/24 in this lab",
    ),
  );
});
