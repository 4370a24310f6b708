// Metric computation from a run's events: values measured from the right anchor, bounds derived
// from the timers, and no value where the events (or the anchor step) never happened.
import test from "ava";
import { computeMetric, type MetricInput } from "../../../lab/scenario/metrics.ts";
import type { MetricSpec } from "../../../lab/scenario/model.ts";
import { noTimers } from "../../../lab/scenario/timers.ts";
import type { LabEvent, ProbeStream, StepResult } from "../../../lab/scenario/types.ts";

const T0 = 1_800_000_000_000;
const step = (index: number, at: number, kind: StepResult["kind"] = "fault"): StepResult => ({
  index,
  kind,
  summary: `step ${index}`,
  status: "pass",
  startedAt: T0 + at,
  endedAt: T0 + at + 5,
});

function input(events: LabEvent[], extra: Partial<MetricInput> = {}): MetricInput {
  return {
    startedAt: T0,
    events,
    probes: [],
    outages: [],
    steps: [step(0, 1000), step(1, 40_000)],
    stepIds: new Map([
      ["cut", 0],
      ["heal", 1],
    ]),
    timers: {
      sessions: new Map([
        ["router-mine/router_home", { holdS: 240, keepaliveS: 80, bfdDetectMs: null }],
        ["router-home/router_mine", { holdS: 9, keepaliveS: 3, bfdDetectMs: 300 }],
      ]),
      gracefulRestartS: new Map([["yuuko-k8s", 120]]),
      gracefulRestartByPrefixS: new Map([["10.42.3.0/24", 120]]),
    },
    upChecks: { sessions: 9_800 },
    ...extra,
  };
}

const down = (t: number, owner: string, peer: string): LabEvent => ({
  t: T0 + t,
  kind: "session",
  owner,
  peer,
  state: "down",
  source: "bird-log",
});

test("session-down is measured from its anchor step, with the hold-timer bound [0.75H - K, H]", (t) => {
  const spec: MetricSpec = {
    name: "detect_ms",
    measure: "session-down",
    on: "router-mine",
    peer: "router_home",
    after: "cut",
    bound: "hold-timer",
  };
  const m = computeMetric(
    spec,
    input([down(500, "router-mine", "router_home"), down(201_000, "router-mine", "router_home")]),
  );
  t.is(m.value, 200_000, "the first down after the anchor, not the one before it");
  t.deepEqual([m.bound?.min, m.bound?.max], [100_000, 241_000]);
  t.true(m.withinBound);
  t.is(m.unit, "ms");
});

test("with BFD on the session the bound is BFD's detection time", (t) => {
  const spec: MetricSpec = {
    name: "d",
    measure: "session-down",
    on: "router-home",
    peer: "router_mine",
    after: "cut",
    bound: "hold-timer",
  };
  const m = computeMetric(spec, input([down(1_400, "router-home", "router_mine")]));
  t.is(m.value, 400);
  t.is(m.bound?.max, 1300);
  t.regex(m.bound?.why ?? "", /BFD/);
});

test("a value outside its bound is flagged; no event means no value and no verdict", (t) => {
  const spec: MetricSpec = {
    name: "d",
    measure: "session-down",
    on: "router-mine",
    peer: "router_home",
    after: "cut",
    bound: "hold-timer",
  };
  t.false(computeMetric(spec, input([down(30_000, "router-mine", "router_home")])).withinBound);
  const none = computeMetric(spec, input([]));
  t.is(none.value, null);
  t.is(none.withinBound, null);
});

test("a metric whose anchor step never ran has no value (the scenario stopped before it)", (t) => {
  const spec: MetricSpec = {
    name: "d",
    measure: "session-down",
    on: "router-mine",
    peer: "router_home",
    after: "later",
    bound: { max: 2000, why: "x" },
  };
  const m = computeMetric(spec, {
    ...input([down(4_000, "router-mine", "router_home")]),
    stepIds: new Map([["later", 7]]),
  });
  t.is(m.value, null);
});

test("route-add after the heal with the error wait BIRD announced", (t) => {
  const events: LabEvent[] = [
    {
      t: T0 + 30_000,
      kind: "note",
      message: "router-mine/router_home: Startup delayed by 60 seconds due to errors",
    },
    {
      t: T0 + 20_000,
      kind: "route",
      router: "router-mine",
      prefix: "10.42.3.0/24",
      change: "add",
      source: "netlink",
    },
    {
      t: T0 + 101_000,
      kind: "route",
      router: "router-mine",
      prefix: "10.42.3.0/24",
      change: "add",
      source: "netlink",
    },
  ];
  const spec: MetricSpec = {
    name: "r",
    measure: "route-add",
    on: "router-mine",
    prefix: "10.42.3.0/24",
    peer: "router_home",
    after: "heal",
    bound: "error-wait",
  };
  const m = computeMetric(spec, input(events));
  t.is(m.value, 61_000);
  t.is(m.bound?.max, 70_000);
  t.true(m.withinBound);
});

test("probe metrics: longest outage, loss and RTT percentiles", (t) => {
  const samples = Array.from({ length: 100 }, (_, seq) => ({
    seq,
    t: T0 + seq * 20,
    rttMs: seq >= 40 && seq < 60 ? null : 1 + (seq % 10) / 10,
  }));
  const stream: ProbeStream = {
    name: "pods",
    from: "a",
    to: "b",
    toAddress: "10.42.3.10",
    intervalMs: 20,
    startedAt: T0,
    samples,
  };
  const outages = [{ stream: "pods", start: T0 + 800, end: T0 + 1200, lost: 20 }];
  const i = input([], { probes: [stream], outages });
  t.is(computeMetric({ name: "o", measure: "outage", stream: "pods" }, i).value, 400);
  t.is(computeMetric({ name: "l", measure: "loss", stream: "pods" }, i).value, 20);
  t.is(computeMetric({ name: "l", measure: "loss", stream: "pods" }, i).unit, "%");
  t.is(computeMetric({ name: "p", measure: "rtt-max", stream: "pods" }, i).value, 1.9);
  t.is(computeMetric({ name: "o", measure: "outage", stream: "other" }, i).value, null);
});

test("session flaps count downs after the anchor; up-check reads the up timings", (t) => {
  const i = input([down(500, "a", "b"), down(2_000, "a", "b"), down(3_000, "c", "d")]);
  const flaps = computeMetric(
    { name: "f", measure: "session-flaps", after: "cut", bound: { max: 0, why: "none expected" } },
    i,
  );
  t.is(flaps.value, 2);
  t.is(flaps.unit, "count");
  t.false(flaps.withinBound);
  t.is(computeMetric({ name: "s", measure: "up-check", check: "sessions" }, i).value, 9_800);
});

test("a bound written for one runtime applies there only; elsewhere the value stands unbounded, saying why", (t) => {
  const spec: MetricSpec = {
    name: "yuuko_established_ms",
    measure: "session-up",
    on: "router-home",
    peer: "yuuko_k8s",
    bound: { max: 20_000, why: "gobgpd 3.10 first dial 5-10 s after start", runtime: "netns" },
  };
  const up = (at: number): LabEvent => ({
    t: T0 + at,
    kind: "session",
    owner: "router-home",
    peer: "yuuko_k8s",
    state: "up",
    source: "bird-log",
  });
  const netns = computeMetric(spec, input([up(240_000)], { runtime: "netns" }));
  t.false(netns.withinBound, "4 minutes is out of the netns bound");
  t.deepEqual(netns.bound, { max: 20_000, why: "gobgpd 3.10 first dial 5-10 s after start" });
  const clab = computeMetric(spec, input([up(240_000)], { runtime: "clab" }));
  t.is(clab.value, 240_000);
  t.is(clab.withinBound, null);
  t.is(clab.bound?.max, undefined);
  t.regex(clab.bound?.why ?? "", /\(a netns bound, not applied on clab\)$/);
  const gobgp = computeMetric({ ...spec, bound: "gobgp-connect" }, input([up(30_000)], { runtime: "clab" }));
  t.is(gobgp.withinBound, null);
  t.regex(gobgp.bound?.why ?? "", /bounds the netns runtime/);
});

test("gobgp-connect follows the GoBGP version that runs: 1-2 s from 3.35, 5-10 s before", (t) => {
  const spec = {
    name: "up",
    measure: "session-up" as const,
    on: "router-home",
    peer: "yuuko_k8s",
    bound: "gobgp-connect" as const,
  };
  const up: LabEvent = {
    t: T0 + 6_000,
    kind: "session",
    owner: "router-home",
    peer: "yuuko_k8s",
    state: "up",
    source: "bird-log",
  };
  const fast = computeMetric(spec, input([up], { runtime: "netns", speakerVersion: "3.36.0" }));
  t.is(fast.bound?.max, 4_000);
  t.false(fast.withinBound, "6 s is late for gobgpd 3.36");
  t.regex(fast.bound?.why ?? "", /gobgpd 3\.36\.0 dials 1-2 s/);
  const slow = computeMetric(spec, input([up], { runtime: "netns", speakerVersion: "3.10.0" }));
  t.is(slow.bound?.max, 12_000);
  t.true(slow.withinBound);
});

test("after a speaker start step, gobgp-connect adds the agent boot that step waited", (t) => {
  const spec = {
    name: "up",
    measure: "session-up" as const,
    on: "router-home",
    peer: "yuuko_k8s",
    after: "heal",
    bound: "gobgp-connect" as const,
  };
  const m = computeMetric(
    spec,
    input([], { runtime: "netns", speakerVersion: "3.36.0", speakerBootMs: new Map([["heal", 10_000]]) }),
  );
  t.is(m.bound?.max, 14_000);
  t.regex(m.bound?.why ?? "", /^agent boot 10 s, then gobgpd 3\.36\.0 dials 1-2 s/);
});

test("a bound that only says why there is none gives no verdict (graceful restart off)", (t) => {
  const m = computeMetric(
    { name: "gr", measure: "session-down", on: "nano", peer: "x", bound: "graceful-restart" },
    input([down(5_000, "nano", "x")]),
  );
  t.is(m.value, 5_000);
  t.deepEqual(m.bound, { why: "graceful restart off" });
  t.is(m.withinBound, null);
});

test("graceful-restart-expiry: the stale route goes by the restart time plus BIRD's 3 s idle poll", (t) => {
  const del = (at: number): LabEvent => ({
    t: T0 + at,
    kind: "route",
    router: "router-home",
    prefix: "10.42.3.0/24",
    change: "del",
    source: "netlink",
  });
  const spec = {
    name: "stale_kept_ms",
    measure: "route-del" as const,
    on: "router-home",
    prefix: "10.42.3.0/24",
    after: "cut",
    bound: "graceful-restart-expiry" as const,
  };
  const timers = {
    sessions: new Map(),
    gracefulRestartS: new Map([["yuuko-k8s", 5]]),
    gracefulRestartByPrefixS: new Map([["10.42.3.0/24", 5]]),
  };
  // Measured on the seed (gr-short): the timeout at +5.0 s, the flush at +8.0 s.
  const measured = computeMetric(spec, input([del(1000 + 8_015)], { timers }));
  t.is(measured.value, 8_015);
  t.deepEqual(measured.bound?.max, 9_000);
  t.is(measured.bound?.min, undefined, "a session back earlier flushes at its End-of-RIB");
  t.regex(measured.bound?.why ?? "", /graceful restart time 5 s, then up to 3 s until BIRD's idle main loop/);
  t.true(measured.withinBound);
  t.false(
    computeMetric(spec, input([del(1000 + 9_500)], { timers })).withinBound,
    "later than the idle poll",
  );
  const off = computeMetric(
    spec,
    input([del(1000 + 20)], {
      timers: noTimers(),
    }),
  );
  t.deepEqual(off.bound, { why: "graceful restart off" });
  t.is(off.withinBound, null);
});

test("a bound whose latest time lies beyond the end of the run gives no verdict on a missing value", (t) => {
  const spec = {
    name: "late",
    measure: "route-del" as const,
    on: "router-home",
    prefix: "10.42.3.0/24",
    after: "cut",
    bound: { min: 120_000, max: 124_000, why: "a 120 s timer" },
  };
  const long = computeMetric(spec, input([], { endedAt: T0 + 1000 + 20_000 }));
  t.is(long.value, null);
  t.is(long.withinBound, null);
  t.deepEqual(long.bound, { why: "a 120 s timer; not due within the 20.0 s the run watched" });
  const maxOnly = computeMetric(
    { ...spec, bound: { max: 124_000, why: "at most 124 s" } },
    input([], { endedAt: T0 + 1000 + 20_000 }),
  );
  t.deepEqual(maxOnly.bound, { why: "at most 124 s; not due within the 20.0 s the run watched" });
  // The run outlasted the latest time: a missing value stays missing, bound and all.
  const missing = computeMetric(spec, input([], { endedAt: T0 + 1000 + 130_000 }));
  t.like(missing.bound, { min: 120_000, max: 124_000 });
  t.is(missing.withinBound, null);
});

const nodeEvent = (t: number, change: "ready" | "notready" | "evicted"): LabEvent => ({
  t: T0 + t,
  kind: "node",
  node: "yuuko-k8s",
  change,
  source: "control-plane",
});

test("node-notready and pods-evicted from the cut, bounded by the grace period and the toleration", (t) => {
  const lifecycle = { nodeLifecycle: { gracePeriodMs: 50_000, tolerationMs: 300_000 } };
  const events = [nodeEvent(46_000, "notready"), nodeEvent(346_000, "evicted")];
  const spec: MetricSpec = {
    name: "nr",
    measure: "node-notready",
    on: "yuuko-k8s",
    after: "cut",
    bound: "node-lifecycle",
  };
  const nr = computeMetric(spec, input(events, lifecycle));
  t.is(nr.value, 45_000);
  t.like(nr.bound, { min: 40_000, max: 56_000 });
  t.true(nr.withinBound);
  const ev = computeMetric({ ...spec, measure: "pods-evicted" }, input(events, lifecycle));
  t.is(ev.value, 345_000);
  t.like(ev.bound, { min: 340_000, max: 361_000 });
  t.true(ev.withinBound);
  const none = computeMetric(spec, input([nodeEvent(46_000, "ready")], lifecycle));
  t.is(none.value, null, "a node that stayed Ready has no NotReady time");
});

const path = (t: number, direction: string, via: "direct" | "relay"): LabEvent => ({
  t: T0 + t,
  kind: "zt-path",
  direction,
  via,
  source: "relay",
});

test("zt-relayed: from the fault until both directions go through a root, bounded by ZeroTier's path expiry", (t) => {
  const spec: MetricSpec = {
    name: "relayed_ms",
    measure: "zt-relayed",
    after: "cut",
    bound: "zerotier-expiry",
  };
  const snapshot: LabEvent[] = ["home->mine", "mine->home"].map((direction) => ({
    t: T0,
    kind: "zt-path",
    direction,
    via: "direct",
    source: "poll",
  }));
  const both = computeMetric(
    spec,
    input([
      ...snapshot,
      path(1000 + 243_000, "home->mine", "relay"),
      path(1000 + 243_050, "mine->home", "relay"),
    ]),
  );
  t.is(both.value, 243_050, "the later direction decides: traffic needs both ways");
  t.like(both.bound, { min: 243_000 - 14_000, max: 244_000 });
  t.regex(both.bound?.why ?? "", /ZT_PEER_PATH_EXPIRATION.*ZT_PATH_HEARTBEAT_PERIOD/);
  t.true(both.withinBound);
  const oneWay = computeMetric(spec, input([...snapshot, path(1000 + 243_000, "home->mine", "relay")]));
  t.is(oneWay.value, null, "one direction still direct: no value");
  t.is(computeMetric(spec, input([])).value, null, "no paths seen (a kind without them)");
});

test("rtt windows between steps, bounded by the topology's path between the stream's sites, + the root", (t) => {
  const samples = [
    { seq: 0, t: T0 + 500, rttMs: 21 },
    { seq: 1, t: T0 + 900, rttMs: 22 },
    { seq: 2, t: T0 + 2000, rttMs: null },
    { seq: 3, t: T0 + 30_000, rttMs: 61 },
    { seq: 4, t: T0 + 35_000, rttMs: 62 },
    { seq: 5, t: T0 + 45_000, rttMs: 22 },
  ];
  const stream: ProbeStream = {
    name: "pods",
    from: "sakamoto-pod1",
    to: "yuuko-k8s-pod1",
    toAddress: "10.42.3.10",
    intervalMs: 50,
    startedAt: T0,
    samples,
  };
  const wan = {
    sites: ["home", "mine"] as [string, string],
    rttMs: 20,
    jitterMs: 1,
    lossPct: 0,
    source: { file: "topology.yaml", line: 1, col: 1 },
  };
  const extra = { probes: [stream], streamPaths: new Map([["pods", wan]]), rootDelayMs: 20 };
  const direct = computeMetric(
    { name: "rtt_direct_ms", measure: "rtt-p50", stream: "pods", until: "cut", bound: "zerotier-direct" },
    input([], extra),
  );
  t.is(direct.value, 21, "only packets sent before the cut");
  t.like(direct.bound, { min: 18, max: 27 });
  t.true(direct.withinBound);
  const relayed = computeMetric(
    {
      name: "rtt_relayed_ms",
      measure: "rtt-p50",
      stream: "pods",
      after: "cut",
      until: "heal",
      bound: "zerotier-relayed",
    },
    input([], extra),
  );
  t.is(relayed.value, 61, "answered packets between the cut and the heal");
  t.like(relayed.bound, { min: 58, max: 67 });
  t.regex(relayed.bound?.why ?? "", /root's 20 ms/);
  const noPath = computeMetric(
    { name: "x", measure: "rtt-p50", stream: "pods", bound: "zerotier-direct" },
    input([], { probes: [stream] }),
  );
  t.is(noPath.withinBound, null, "no path between the sites: no verdict");
});
