// The timeline of one scenario run as lanes, in seconds since the scenario start: what the SVG
// draws, computed apart from any drawing so it can be tested as data. Session and route lanes are
// rebuilt from the events alone; a lane is "unknown" until its first event says otherwise.
import type { LabEvent, ProbeStream, ScenarioResult, StepResult } from "../../scenario/types.ts";

/** "relayed": a ZeroTier path through a root (it carries traffic, more slowly). */
export type LaneState = "up" | "down" | "relayed" | "unknown";

export interface Span {
  from: number;
  to: number;
  state: LaneState;
  /** The daemon's reason or the route's next hop, for the tooltip. */
  note: string;
}

export interface StateLane {
  label: string;
  spans: Span[];
}

export interface LossBar {
  from: number;
  to: number;
  sent: number;
  lost: number;
}

export interface ProbeLane {
  stream: ProbeStream;
  bars: LossBar[];
  outages: { from: number; to: number; lost: number }[];
}

export interface Timeline {
  /** Seconds from the scenario start to its end. */
  duration: number;
  /** Width of a probe loss bucket in seconds. */
  bucket: number;
  faults: { at: number; label: string }[];
  steps: (StepResult & { from: number; to: number })[];
  sessions: StateLane[];
  routes: StateLane[];
  /** ZeroTier's path per direction: "up" direct, "relayed" through a root. */
  ztPaths: StateLane[];
  probes: ProbeLane[];
}

export function buildTimeline(result: ScenarioResult): Timeline {
  const t0 = result.startedAt;
  const duration = Math.max(1, (result.endedAt - t0) / 1000);
  const at = (t: number) => Math.min(duration, Math.max(0, (t - t0) / 1000));
  const events = [...result.events].sort((a, b) => a.t - b.t);
  const bucket = bucketSeconds(duration, Math.max(0, ...result.probes.map((p) => p.intervalMs)));
  return {
    duration,
    bucket,
    faults: events.flatMap((e) =>
      e.kind === "fault" ? [{ at: at(e.t), label: `${e.target} ${e.action}` }] : [],
    ),
    steps: result.steps.map((s) => ({ ...s, from: at(s.startedAt), to: at(s.endedAt) })),
    sessions: stateLanes(events, duration, at, (e) =>
      e.kind === "session"
        ? { key: `${e.owner}/${e.peer}`, state: e.state, note: e.detail ?? "" }
        : undefined,
    ),
    routes: stateLanes(events, duration, at, (e) =>
      e.kind === "route"
        ? {
            key: `${e.router} ${e.prefix}`,
            state: e.change === "add" ? "up" : "down",
            note: e.via ? `via ${e.via}` : "",
          }
        : undefined,
    ),
    ztPaths: stateLanes(events, duration, at, (e) =>
      e.kind === "zt-path"
        ? { key: e.direction, state: e.via === "relay" ? "relayed" : "up", note: "" }
        : undefined,
    ),
    probes: result.probes.map((p) => ({
      stream: p,
      bars: lossBars(p, t0, bucket, duration),
      outages: result.outages
        .filter((o) => o.stream === p.name)
        .map((o) => ({ from: at(o.start), to: at(o.end), lost: o.lost })),
    })),
  };
}

type Change = { key: string; state: Exclude<LaneState, "unknown">; note: string };

/** One lane per key, sorted by key, each a run of spans covering 0..duration. */
function stateLanes(
  events: LabEvent[],
  duration: number,
  at: (t: number) => number,
  pick: (e: LabEvent) => Change | undefined,
): StateLane[] {
  const lanes = new Map<string, Span[]>();
  for (const e of events) {
    const c = pick(e);
    if (!c) continue;
    const spans = lanes.get(c.key) ?? [{ from: 0, to: duration, state: "unknown", note: "" }];
    lanes.set(c.key, spans);
    const last = spans[spans.length - 1];
    // A repeated state (a poll confirming a daemon event) does not start a new span.
    if (!last || (last.state === c.state && last.note === c.note)) continue;
    const from = at(e.t);
    last.to = from;
    spans.push({ from, to: duration, state: c.state, note: c.note });
  }
  return [...lanes]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([label, spans]) => ({ label, spans: spans.filter((s) => s.to > s.from) }));
}

// Fine enough to see a sub-second BFD blackhole in a short run, coarse enough that a 10-minute
// run has at most 600 bars and every bucket holds several packets.
const BUCKETS = [0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60];

export function bucketSeconds(duration: number, intervalMs: number): number {
  return BUCKETS.find((b) => duration / b <= 600 && b * 1000 >= 5 * intervalMs) ?? 60;
}

/**
 * Loss per bucket, clipped to the time the stream ran (a bucket is not drawn before the first
 * packet); neighbouring buckets with the same loss share are merged into one bar.
 */
function lossBars(p: ProbeStream, t0: number, bucket: number, duration: number): LossBar[] {
  const first = p.samples[0];
  const last = p.samples[p.samples.length - 1];
  if (!first || !last) return [];
  const begin = Math.max(0, (first.t - t0) / 1000);
  const end = Math.min(duration, (last.t + p.intervalMs - t0) / 1000);
  const counts = new Map<number, { sent: number; lost: number }>();
  for (const s of p.samples) {
    const i = Math.max(0, Math.floor((s.t - t0) / 1000 / bucket));
    const c = counts.get(i) ?? { sent: 0, lost: 0 };
    c.sent++;
    if (s.rttMs === null) c.lost++;
    counts.set(i, c);
  }
  const bars: LossBar[] = [];
  for (const [i, c] of [...counts].sort(([a], [b]) => a - b)) {
    const from = Math.max(begin, i * bucket);
    const to = Math.min(end, (i + 1) * bucket);
    if (from >= to) continue;
    const prev = bars[bars.length - 1];
    if (prev && Math.abs(prev.to - from) < 1e-9 && prev.lost * c.sent === c.lost * prev.sent) {
      prev.to = to;
      prev.sent += c.sent;
      prev.lost += c.lost;
    } else {
      bars.push({ from, to, ...c });
    }
  }
  return bars;
}
