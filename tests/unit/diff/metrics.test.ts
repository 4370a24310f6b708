// The timing-change rule: base and head ranges over the repeats must not overlap AND be further
// apart than the metric's granularity; so a tree against itself reports no change.
import test from "ava";
import {
  compareMetrics,
  EVENT_LATENCY_MS,
  granularityOf,
  presence,
  SESSION_START_SPREAD_MS,
  timingChanged,
} from "../../../lab/diff/metrics.ts";
import type { MetricSpec, Scenario } from "../../../lab/scenario/model.ts";
import type { Metric, RunReport, ScenarioResult } from "../../../lab/scenario/types.ts";

const lab = { zerotier: { network: { text: "", network: "", prefixLength: 24 }, mtu: 2800, paths: [] } };

test("overlapping ranges are no change, however far the values", (t) => {
  t.false(timingChanged([180_000, 240_000], [200_000, 239_000], 0));
  t.false(timingChanged([31_360], [31_360], 0));
});

test("apart ranges count only beyond the granularity", (t) => {
  t.false(timingChanged([30_020], [30_180], 1000), "160 ms apart, 1 s granularity");
  t.true(timingChanged([30_020], [31_100], 1000));
  t.true(timingChanged([31_360, 31_300], [412, 440], 1000), "blackhole 31,360 -> 412");
  t.true(timingChanged([1500], [1400], 0), "an exact metric: any difference");
});

test("a value on one side only is a change from 2 runs each; no value on both, or a side not run, is not", (t) => {
  t.true(timingChanged([null, null], [600, 640], 1000), "detection happened on head only, twice");
  t.false(timingChanged([null], [600], 1000), "one run each: a racy event cannot be told from a change");
  t.is(presence([null], [600]), "appeared");
  t.is(presence([31_000], [null]), "vanished");
  t.is(presence([null, 3], [600]), null);
  t.false(timingChanged([null], [null], 1000));
  t.false(timingChanged([], [600], 1000), "base did not run it");
  t.false(timingChanged([null, 30_000], [30_100], 1000), "mixed: the values are compared");
});

const metric = (name: string, value: number | null, bound?: { min: number; max: number }): Metric => ({
  name,
  description: "",
  unit: "ms",
  value,
  ...(bound ? { bound: { ...bound, why: "timers" } } : {}),
  withinBound: null,
});

function result(metrics: Metric[], probeInterval = 20): ScenarioResult {
  return {
    scenario: "zt-outage-30s",
    title: "",
    file: "",
    variant: "seed",
    status: "pass",
    preparation: "fresh",
    startedAt: 0,
    endedAt: 0,
    steps: [],
    metrics,
    events: [],
    probes: [
      {
        name: "pods",
        from: "a",
        to: "b",
        toAddress: "10.42.3.10",
        intervalMs: probeInterval,
        startedAt: 0,
        samples: Array.from({ length: 5000 }, (_, seq) => ({ seq, t: seq * probeInterval, rttMs: 1 })),
      },
    ],
    outages: [],
  };
}

const spec = (name: string, measure: MetricSpec["measure"], stream?: string): MetricSpec => ({
  name,
  measure,
  ...(stream ? { stream } : {}),
});

test("granularity: bound width for event times, at least the event latency; outage and loss from the stream", (t) => {
  const detect = metric("detect_ms", 200_000, { min: 180_000, max: 241_000 });
  t.is(
    granularityOf(spec("detect_ms", "session-down"), "ms", [detect], [result([detect])], lab).value,
    61_000,
  );
  const bfd = metric("detect_ms", 400, { min: 0, max: 600 });
  t.is(
    granularityOf(spec("detect_ms", "session-down"), "ms", [bfd], [result([bfd])], lab).value,
    EVENT_LATENCY_MS,
  );
  const blackhole = metric("blackhole_ms", 30_000);
  t.is(
    granularityOf(spec("blackhole_ms", "outage", "pods"), "ms", [blackhole], [result([blackhole])], lab)
      .value,
    EVENT_LATENCY_MS,
  );
  t.is(
    granularityOf(spec("blackhole_ms", "outage", "pods"), "ms", [blackhole], [result([blackhole], 2000)], lab)
      .value,
    2000,
    "a probe every 2 s cannot resolve below 2 s",
  );
  const loss = granularityOf(spec("loss_pct", "loss", "pods"), "%", [], [result([])], lab);
  t.is(loss.value, (100 * 50) / 5000, "a second of 20 ms probes out of 5000");
  t.is(granularityOf(spec("mtu", "step-value"), "bytes", [], [], lab).value, 0);
});

const report = (values: (number | null)[]): RunReport[] =>
  values.map((v) => ({
    lab: "x",
    startedAt: 0,
    endedAt: 0,
    interrupted: false,
    results: [
      result([
        metric("blackhole_ms", v),
        metric("detect_ms", v === null ? null : 200_000, { min: 180_000, max: 241_000 }),
      ]),
    ],
  }));

test("compareMetrics: the same figures against themselves report no change; 31 s -> 0.4 s does", (t) => {
  const scenario = {
    name: "zt-outage-30s",
    metrics: [spec("blackhole_ms", "outage", "pods"), spec("detect_ms", "session-down")],
  } as unknown as Scenario;
  const same = compareMetrics(
    report([30_040, 30_100]),
    report([30_060, 30_500]),
    { base: [scenario], head: [scenario] },
    lab,
  );
  t.deepEqual(
    same.map((m) => [m.metric, m.changed]),
    [
      ["blackhole_ms", false],
      ["detect_ms", false],
    ],
  );
  const faster = compareMetrics(report([31_360]), report([412]), { base: [scenario], head: [scenario] }, lab);
  t.deepEqual(faster.find((m) => m.metric === "blackhole_ms")?.base, [31_360]);
  t.true(faster.find((m) => m.metric === "blackhole_ms")?.changed);
});

test("granularity: a session coming up moves by a dial and a retry; round trips with the stream's own jitter", (t) => {
  const up = granularityOf(spec("sessions_ms", "up-check"), "ms", [metric("sessions_ms", 6800)], [], lab);
  t.is(up.value, SESSION_START_SPREAD_MS + EVENT_LATENCY_MS);
  t.false(
    timingChanged([6_809.8], [7_557.5], up.value),
    "cold start of the same configs, measured 0.75 s apart",
  );
  const join = granularityOf(spec("established_ms", "session-up"), "ms", [], [], lab);
  t.false(
    timingChanged([2_435], [7_791], join.value),
    "node-join of the same configs: one side retried after 5 s",
  );
  t.true(timingChanged([2_435], [12_000], join.value));
  const jittery = result([]);
  const [stream] = jittery.probes;
  if (stream) stream.samples = stream.samples.map((x, i) => ({ ...x, rttMs: 80 + (i % 41) }));
  const rtt = granularityOf(spec("rtt_p95_ms", "rtt-p95", "pods"), "ms", [], [jittery], lab);
  t.true(rtt.value > 30 && rtt.value <= 42, `${rtt.value}: ${rtt.why}`);
  t.false(timingChanged([105], [111], rtt.value), "impaired-vpn's p95 against itself");
  t.true(timingChanged([45], [105], rtt.value), "40 ms more delay is a change");
});
