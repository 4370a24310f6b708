// Scenario metrics of base and head side by side, and when a difference in them counts as a
// change: only when the two ranges over the repeats do not overlap AND the gap between them
// exceeds the metric's granularity, what its own measurement cannot tell apart. So a tree
// compared with itself reports no change, however the timers happened to fire.

import type { MetricSpec, Scenario } from "../scenario/model.ts";
import type { Metric, ProbeStream, RunReport, ScenarioResult } from "../scenario/types.ts";
import type { Lab } from "../topology/model.ts";

/** What no timing metric resolves below: the lab applies faults and reads BIRD's log, netlink
 * and its polls with up to about a second of latency (lab/scenario/metrics.ts, SLACK_MS), more on
 * a loaded machine. */
export const EVENT_LATENCY_MS = 1000;

export interface Granularity {
  value: number;
  why: string;
}

export interface MetricComparison {
  scenario: string;
  variant: string;
  metric: string;
  unit: Metric["unit"];
  /** One value per repeat (null: the run produced none). */
  base: (number | null)[];
  head: (number | null)[];
  granularity: Granularity;
  changed: boolean;
}

/** How far a session's start moves between two runs of the same configs: gobgpd dials 1-2 s
 * after it starts and, after an attempt that fails (a router not listening yet, a reload), idles
 * 5 s before the next (docs/facts.md); BIRD's 5 s connect delay fires up to 25 % early
 * (CZ-NIC/bird proto/bgp/bgp.c, bgp_start_timer). The larger: 1 s + 5 s. */
export const SESSION_START_SPREAD_MS = 6000;

/** Times that include a session coming up (from a start, a reconnect or a join). */
const SESSION_START_MEASURES: readonly MetricSpec["measure"][] = ["session-up", "route-add", "up-check"];

const EVENT_MEASURES: readonly MetricSpec["measure"][] = [
  "session-down",
  "session-up",
  "route-del",
  "route-add",
  "up-check",
  "node-notready",
  "pods-evicted",
];

/** p95 - p5 of a stream's answered round trips, ms. */
function rttSpread(p: ProbeStream): number {
  const rtts = p.samples.flatMap((x) => (x.rttMs === null ? [] : [x.rttMs])).sort((a, b) => a - b);
  if (rtts.length < 2) return 0;
  const at = (q: number) => rtts[Math.min(rtts.length - 1, Math.floor(q * rtts.length))] ?? 0;
  return at(0.95) - at(0.05);
}

/** The widest min..max a bound of this metric allows, on either side (how far its timers let it move). */
function boundWidth(metrics: readonly Metric[]): number {
  return Math.max(
    0,
    ...metrics.map((m) =>
      m.bound?.min !== undefined && m.bound.max !== undefined ? m.bound.max - m.bound.min : 0,
    ),
  );
}

/**
 * How finely a metric can be told apart from run to run:
 * - event times (detection, withdrawal, reconvergence, readiness): the spread its timers allow
 *   (the width of its timer-derived bound; BIRD fires timers up to 25 % early);
 * - times that include a session coming up: at least a dial's spread and one retry (GoBGP idles
 *   5 s after a failed attempt) plus the event latency;
 * - a blackhole (outage): the probe interval of its stream (a packet every 1000/rate ms);
 * - every time at least the lab's event latency (EVENT_LATENCY_MS): the fault's own start moves
 *   by that much;
 * - loss: the packets of one event latency of the stream;
 * - round trips: the spread (p5..p95) of the stream's own round trips, at least the path's jitter
 *   both ways, plus a millisecond of scheduling;
 * - sizes and counts: exact.
 */
export function granularityOf(
  spec: MetricSpec | undefined,
  unit: Metric["unit"],
  metrics: readonly Metric[],
  results: readonly ScenarioResult[],
  lab: Pick<Lab, "zerotier">,
): Granularity {
  const stream = spec?.stream;
  const probes = results.flatMap((r) => r.probes.filter((p) => p.name === stream));
  if (spec?.measure === "outage" && probes.length) {
    const interval = Math.max(...probes.map((p) => p.intervalMs));
    if (interval > EVENT_LATENCY_MS) return { value: interval, why: `probe interval of ${stream}` };
  }
  if (spec?.measure === "loss" && probes.length) {
    const packets = Math.min(...probes.map((p) => p.samples.length));
    const perLatency = Math.max(
      1,
      Math.round(EVENT_LATENCY_MS / Math.max(...probes.map((p) => p.intervalMs))),
    );
    return {
      value: packets ? (100 * perLatency) / packets : 100,
      why: `${perLatency} of ${packets} packets (${EVENT_LATENCY_MS} ms of ${stream})`,
    };
  }
  if (spec?.measure?.startsWith("rtt-")) {
    // The stream's own jitter (an impairment's or the path's): a percentile that moves less than
    // the spread of the round trips it is taken from is that jitter, not a change.
    const spread = Math.max(0, ...probes.map(rttSpread));
    const jitter = Math.max(0, ...lab.zerotier.paths.map((p) => p.jitterMs));
    return spread > 4 * jitter
      ? { value: spread + 1, why: `p5..p95 spread of ${stream}'s round trips` }
      : { value: 4 * jitter + 1, why: `path jitter ±${jitter} ms each way, both ways` };
  }
  if (unit === "bytes" || unit === "count") return { value: 0, why: "exact" };
  const width = boundWidth(metrics);
  const floor =
    spec && SESSION_START_MEASURES.includes(spec.measure)
      ? {
          value: SESSION_START_SPREAD_MS + EVENT_LATENCY_MS,
          why: "a dial's spread and one retry after GoBGP's 5 s idle, and the event latency",
        }
      : { value: EVENT_LATENCY_MS, why: "the lab's event latency" };
  if ((spec === undefined || EVENT_MEASURES.includes(spec.measure)) && width > floor.value)
    return { value: width, why: "the spread its timers allow (its bound)" };
  // A percentage without its stream has nothing to resolve it by: any difference shows.
  return unit === "ms" ? floor : { value: 0, why: "exact" };
}

/** The change rule: ranges over the repeats apart by more than the granularity. A metric with a
 * value on one side only (in every run of both sides) is a change when each side ran at least
 * twice: some events are racy by nature (a kernel route replaced as a delete and an add at a
 * session's re-establishment shows as a withdrawal in one run of the same configs and not in the
 * next), so one run each cannot tell an event that comes with the change from one that came by
 * chance. */
export function timingChanged(
  base: readonly (number | null)[],
  head: readonly (number | null)[],
  granularity: number,
): boolean {
  const b = base.filter((v): v is number => v !== null);
  const h = head.filter((v): v is number => v !== null);
  if (b.length === 0 && h.length === 0) return false;
  if (b.length === 0 || h.length === 0)
    return presence(base, head) !== null && base.length >= 2 && head.length >= 2;
  const [bMin, bMax, hMin, hMax] = [Math.min(...b), Math.max(...b), Math.min(...h), Math.max(...h)];
  if (bMin <= hMax && hMin <= bMax) return false;
  const gap = hMin > bMax ? hMin - bMax : bMin - hMax;
  return gap > granularity;
}

/** A metric that has a value in every run of one side and in no run of the other. */
export function presence(
  base: readonly (number | null)[],
  head: readonly (number | null)[],
): "appeared" | "vanished" | null {
  if (!base.length || !head.length) return null;
  const all = (xs: readonly (number | null)[], has: boolean) => xs.every((v) => (v !== null) === has);
  if (all(base, false) && all(head, true)) return "appeared";
  if (all(base, true) && all(head, false)) return "vanished";
  return null;
}

const key = (r: ScenarioResult) => `${r.scenario}|${r.variant}`;

/** Every metric of every scenario variant that ran on either side, with its values per repeat. */
export function compareMetrics(
  base: readonly RunReport[],
  head: readonly RunReport[],
  scenarios: { base: readonly Scenario[]; head: readonly Scenario[] },
  lab: Pick<Lab, "zerotier">,
): MetricComparison[] {
  const ran = (rs: readonly RunReport[]) =>
    rs.flatMap((r) => r.results).filter((r) => r.status !== "skipped");
  const bResults = ran(base);
  const hResults = ran(head);
  const groups = [...new Set([...bResults, ...hResults].map(key))];
  const out: MetricComparison[] = [];
  for (const g of groups) {
    const bs = bResults.filter((r) => key(r) === g);
    const hs = hResults.filter((r) => key(r) === g);
    const [scenario = "", variant = ""] = g.split("|");
    const names = [...new Set([...bs, ...hs].flatMap((r) => r.metrics.map((m) => m.name)))];
    for (const name of names) {
      const pick = (rs: ScenarioResult[]) => rs.map((r) => r.metrics.find((m) => m.name === name) ?? null);
      const bm = pick(bs);
      const hm = pick(hs);
      const all = [...bm, ...hm].filter((m): m is Metric => m !== null);
      const unit = all[0]?.unit ?? "ms";
      const spec =
        scenarios.head.find((s) => s.name === scenario)?.metrics.find((m) => m.name === name) ??
        scenarios.base.find((s) => s.name === scenario)?.metrics.find((m) => m.name === name);
      const granularity = granularityOf(spec, unit, all, [...bs, ...hs], lab);
      const base = bm.map((m) => m?.value ?? null);
      const headValues = hm.map((m) => m?.value ?? null);
      out.push({
        scenario,
        variant,
        metric: name,
        unit,
        base,
        head: headValues,
        granularity,
        changed: timingChanged(base, headValues, granularity.value),
      });
    }
  }
  return out;
}
