// Scenario files: every built-in one loads against the real topology, and bad files fail before
// anything runs, each problem as file:line:col with a hint.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test, { type ExecutionContext } from "ava";
import { formatDiagnostic, ValidationError } from "../../../lab/config/diagnostics.ts";
import { loadScenario, SCENARIO_DIR, scenarioDirOf } from "../../../lab/scenario/load.ts";
import { loadLab } from "../../../lab/topology/load.ts";
import type { Lab } from "../../../lab/topology/model.ts";

let lab: Lab;
const dir = mkdtempSync(join(tmpdir(), "scenario-load-"));
test.before(async () => {
  lab = await loadLab();
});
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

test("every built-in scenario loads against the seed topology", (t) => {
  const files = readdirSync(SCENARIO_DIR).filter((f) => f.endsWith(".yaml"));
  t.true(files.length >= 7);
  for (const f of files) {
    const s = loadScenario(join(SCENARIO_DIR, f), lab);
    t.is(`${s.name}.yaml`, f, "the file is named after the scenario");
    t.true(s.steps.length > 0);
  }
});

test("the quick set exercises every step kind", (t) => {
  const quick = readdirSync(SCENARIO_DIR)
    .map((f) => loadScenario(join(SCENARIO_DIR, f), lab))
    .filter((s) => s.quick);
  const kinds = new Set(quick.flatMap((s) => s.steps.map((x) => x.kind)));
  t.deepEqual([...kinds].sort(), ["expect", "fault", "measure", "traffic", "wait"]);
});

test("a zerotier-one restart is a link fault with how long zt0 is gone", (t) => {
  const s = loadScenario(join(SCENARIO_DIR, "zt-service-restart.yaml"), lab);
  const restart = s.steps.find((x) => x.kind === "fault");
  t.deepEqual(restart?.kind === "fault" ? restart.fault : null, {
    kind: "link",
    action: "restart",
    forMs: 5000,
  });
});

test("durations, impairments and references resolve", (t) => {
  const s = loadScenario(join(SCENARIO_DIR, "impaired-vpn.yaml"), lab);
  const impair = s.steps[0];
  t.deepEqual(impair?.kind === "fault" ? impair.fault : null, {
    kind: "link",
    action: "impair",
    direction: "both",
    impairment: { delayMs: 40, jitterMs: 10, lossPct: 2 },
  });
  const wait = s.steps.find((x) => x.kind === "wait");
  t.is(wait?.kind === "wait" ? wait.ms : 0, 16_000);
  // Small and full-size streams side by side: fping's default payload, and 1472 bytes of data
  // that make a 1500-byte pod packet (two ZeroTier fragments).
  const sizes = s.steps.flatMap((x) => (x.kind === "traffic" ? [[x.name, x.size ?? "default"]] : []));
  t.deepEqual(sizes, [
    ["steady", "default"],
    ["steady_full", 1472],
    ["bursty", "default"],
    ["bursty_full", 1472],
  ]);
});

test("speaker-restart stops the agent without a Cease and boots it 10 s before its speaker dials", (t) => {
  const s = loadScenario(join(SCENARIO_DIR, "speaker-restart.yaml"), lab);
  const faults = s.steps.flatMap((x) => (x.kind === "fault" ? [x.fault] : []));
  t.deepEqual(faults, [
    { kind: "speaker", action: "stop", node: "yuuko-k8s" },
    { kind: "speaker", action: "start", node: "yuuko-k8s", bootMs: 10_000 },
  ]);
  const short = s.variants.find((v) => v.name === "gr-short");
  t.true(
    (short?.peerConfig?.gracefulRestart?.restartTimeSeconds ?? 99) * 1000 < 10_000,
    "a variant it does not cover",
  );
});

const HEAD = "name: bad\ntitle: a bad scenario\n";

function errorsOf(t: ExecutionContext, body: string): string[] {
  const file = join(dir, `case-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, HEAD + body);
  const err = t.throws(() => loadScenario(file, lab), { instanceOf: ValidationError }) as ValidationError;
  return err.diagnostics.map((d) => formatDiagnostic(d).replace(file, "F").replace(lab.configDir, "CONFIGS"));
}

const bad = test.macro((t, body: string, expected: string[]) => {
  t.deepEqual(errorsOf(t, body), expected);
});

test("unknown step kind", bad, "steps:\n  - sleep: 3s\n", [
  'F:4:5: steps[0].sleep: unknown key "sleep" (known keys: id, note, fault, expect, traffic, measure, wait)',
]);
test("unknown router, with a guess", bad, "steps:\n  - fault: { router: router-hom, action: kill }\n", [
  'F:4:22: steps[0].fault.router: unknown router "router-hom" (did you mean "router-home"?)',
]);
test(
  "unknown pod in a ping",
  bad,
  "steps:\n  - expect: { ping: { from: sakamoto-pod9, to: yuuko-k8s-pod1, ok: true }, within: 5s }\n",
  [
    'F:4:29: steps[0].expect.ping.from: unknown router, node or pod "sakamoto-pod9" (did you mean "sakamoto-pod1"?)',
  ],
);
test("bad duration", bad, "steps:\n  - wait: 5 minutes\n", [
  "F:4:11: steps[0].wait: does not match the expected format (e.g. 500ms, 30s, 5m)",
]);
test("bad agent boot time", bad, "steps:\n  - fault: { speaker: yuuko-k8s, action: start, boot: soon }\n", [
  "F:4:55: steps[0].fault.boot: does not match the expected format (e.g. 500ms, 30s, 5m)",
]);
test(
  "an agent boot on a speaker stop",
  bad,
  "steps:\n  - fault: { speaker: yuuko-k8s, action: stop, boot: 5s }\n",
  [
    "F:4:54: steps[0].fault.boot: boot applies to a speaker start, not to stop (put `boot:` on the step that starts the speaker again (action: start))",
  ],
);
test("action that does not apply", bad, "steps:\n  - fault: { link: zt, action: kill }\n", [
  'F:4:32: steps[0].fault.action: action "kill" does not apply to link (link takes: down, up, impair, reset, restart, direct-down, direct-up)',
]);
test("impairment out of range", bad, "steps:\n  - fault: { link: zt, action: impair, loss: 150% }\n", [
  'F:4:12: steps[0].fault: --loss "150%": not a percentage from 0 to 100 (example: --loss 1%)',
]);
test("unknown direction", bad, "steps:\n  - fault: { link: zt, action: down, direction: home->work }\n", [
  'F:4:12: steps[0].fault: --direction "home->work": not a direction; use both, home->mine or mine->home (example: --direction home->mine)',
]);
test(
  "two kinds in one step",
  bad,
  "steps:\n  - { wait: 1s, traffic: { name: a, from: nano-pod1, to: sakamoto-pod1, rate: 10, duration: 1s } }\n",
  [
    "F:4:5: steps[0]: a step has exactly one kind, found traffic and wait (one of fault, expect, traffic, measure, wait)",
  ],
);
test(
  "a traffic payload above the pod MTU",
  bad,
  "steps:\n  - traffic: { name: a, from: nano-pod1, to: sakamoto-pod1, rate: 10, duration: 1s, size: 1473 }\n",
  [
    "F:4:91: steps[0].traffic.size: must be <= 1472 (ICMP data bytes per packet (fping -b; default 56). 1472 makes a full-size 1500-byte pod packet, which ZeroTier carries as two fragments.)",
  ],
);
test(
  "expect without a budget",
  bad,
  "steps:\n  - expect: { session: { on: router-mine, peer: router_home, state: down } }\n",
  ['F:4:13: steps[0].expect: missing required key "within" (add "within:" here)'],
);
test(
  "metric anchors and streams must exist",
  bad,
  "steps:\n  - id: cut\n    wait: 1s\nmetrics:\n  - { name: x, measure: outage, stream: nope, after: cutt }\n",
  [
    'F:7:41: metrics[0].stream: no traffic step named "nope" (traffic: none)',
    'F:7:54: metrics[0].after: no step has id "cutt" (step ids: cut)',
  ],
);
test(
  "a metric window must end at a step that exists, and windows round-trip times only",
  bad,
  "steps:\n  - id: cut\n    wait: 1s\nmetrics:\n  - { name: x, measure: session-flaps, until: cutt }\n",
  [
    'F:7:47: metrics[0].until: no step has id "cutt" (step ids: cut)',
    'F:7:47: metrics[0].until: "until" windows round-trip times only, not session-flaps (remove it, or measure rtt-p50, rtt-p95 or rtt-max)',
  ],
);
test("direct-down takes a direction", (t) => {
  const s = loadScenario(join(SCENARIO_DIR, "zt-direct-path-lost.yaml"), lab);
  const cut = s.steps.find((x) => x.id === "cut");
  t.deepEqual(cut?.kind === "fault" ? cut.fault : null, { kind: "link", action: "direct-down" });
  const file = join(dir, "one-way.yaml");
  writeFileSync(file, `${HEAD}steps:\n  - fault: { link: zt, action: direct-down, direction: home->mine }\n`);
  const one = loadScenario(file, lab).steps[0];
  t.deepEqual(one?.kind === "fault" ? one.fault : null, {
    kind: "link",
    action: "direct-down",
    direction: "home->mine",
  });
});
test("restart without for", bad, "steps:\n  - fault: { link: zt, action: restart }\n", [
  "F:4:12: steps[0].fault: restart needs for: how long zt0 is gone, e.g. for: 5s",
]);
test(
  "restart with a direction",
  bad,
  "steps:\n  - fault: { link: zt, action: restart, for: 5s, direction: home->mine }\n",
  ["F:4:12: steps[0].fault: restart acts on both routers: leave out direction"],
);
test("for on another link action", bad, "steps:\n  - fault: { link: zt, action: down, for: 5s }\n", [
  "F:4:12: steps[0].fault: for applies to restart only, not to down",
]);
test("duplicate step ids", bad, "steps:\n  - { id: a, wait: 1s }\n  - { id: a, wait: 1s }\n", [
  'F:5:11: steps[1].id: duplicate step id "a" (step ids must be unique)',
]);
test(
  "variant config that does not exist",
  bad,
  "variants:\n  - name: v\n    routers: { router-home: routers/nope.conf }\nsteps:\n  - wait: 1s\n",
  [
    "F:5:29: variants[0].routers.router-home: file CONFIGS/routers/nope.conf does not exist (paths are relative to the configs folder)",
  ],
);
test("a pair-scoped cut names two routers", (t) => {
  const file = join(dir, "pair.yaml");
  writeFileSync(
    file,
    `${HEAD}steps:\n  - fault: { link: zt, action: down, between: [router-home, router-mine] }\n`,
  );
  const cut = loadScenario(file, lab).steps[0];
  t.deepEqual(cut?.kind === "fault" ? cut.fault : null, {
    kind: "link",
    action: "down",
    between: ["router-home", "router-mine"],
  });
});
test(
  "between with an unknown router",
  bad,
  "steps:\n  - fault: { link: zt, action: down, between: [router-home, router-mien] }\n",
  ['F:4:61: steps[0].fault.between[1]: unknown router "router-mien" (did you mean "router-mine"?)'],
);
test(
  "between the same router twice",
  bad,
  "steps:\n  - fault: { link: zt, action: down, between: [router-home, router-home] }\n",
  ["F:4:12: steps[0].fault: between needs two different routers, got router-home twice"],
);
test(
  "between and direction together",
  bad,
  "steps:\n  - fault: { link: zt, action: up, direction: home->mine, between: [router-home, router-mine] }\n",
  [
    "F:4:12: steps[0].fault: give either direction or between: between already means both ways between two routers",
  ],
);
test(
  "between on an impairment",
  bad,
  "steps:\n  - fault: { link: zt, action: direct-down, between: [router-home, router-mine] }\n",
  ["F:4:12: steps[0].fault: between applies to down and up only, not to direct-down"],
);
test(
  "via on a metric that is not about routes",
  bad,
  "steps:\n  - { id: cut, wait: 1s }\nmetrics:\n  - { name: x, measure: session-down, on: router-home, peer: router_mine, via: 192.168.191.14 }\n",
  ["F:6:80: metrics[0].via: via applies to route-add and route-del only"],
);

test("the three-site example's scenarios load against its topology, not the seed's", async (t) => {
  const three = await loadLab(join(lab.configDir, "examples/three-sites/topology.yaml"));
  const sdir = scenarioDirOf(three);
  const files = readdirSync(sdir).filter((f) => f.endsWith(".yaml"));
  t.deepEqual(files, ["transit-failover.yaml"]);
  const s = loadScenario(join(sdir, "transit-failover.yaml"), three);
  t.deepEqual(
    s.variants.map((v) => v.name),
    ["seed", "bfd"],
  );
  t.is(scenarioDirOf(lab), SCENARIO_DIR.replace(/\/$/, ""));
  // Its third router does not exist in the seed: the file refuses it, with where.
  const err = t.throws(() => loadScenario(join(sdir, "transit-failover.yaml"), lab), {
    instanceOf: ValidationError,
  }) as ValidationError;
  t.true(err.diagnostics.some((d) => /unknown router "router-office"/.test(formatDiagnostic(d))));
});
