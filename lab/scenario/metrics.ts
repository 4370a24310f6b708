// Named metrics computed from one run's events, probe streams and steps, each with the bound
// its configured timers predict. Values in ms unless the unit says otherwise.

import { MONITOR_PERIOD_MS } from "../emulate/control-plane.ts";
import { ZT_PATH_HEARTBEAT_PERIOD_MS, ZT_PEER_PATH_EXPIRATION_MS } from "../emulate/zerotier/peer-paths.ts";
import { dialDelay } from "../gobgp/binary.ts";
import type { ZerotierPath } from "../topology/model.ts";
import { HEARTBEAT_MS, type NodeLifecycle } from "../topology/node-lifecycle.ts";
import type { MetricSpec } from "./model.ts";
import { lossPct, rttStats } from "./sources/probe.ts";
import type { TimerInfo } from "./timers.ts";
import type { LabEvent, Metric, MetricBound, Outage, ProbeStream, StepResult } from "./types.ts";

export interface MetricInput {
  startedAt: number;
  events: LabEvent[];
  probes: ProbeStream[];
  outages: Outage[];
  steps: StepResult[];
  /** Step id -> index. */
  stepIds: Map<string, number>;
  timers: TimerInfo;
  /** Convergence check -> ms from the start of `lab up`, for scenarios that bring the lab up. */
  upChecks: Record<string, number>;
  /** Runtime the scenario ran on: a bound written for another runtime is not applied. */
  runtime?: string;
  /** The speaker's GoBGP version on netns ("3.36.0"): its dial delay bounds session-up. */
  speakerVersion?: string | null;
  /** Step id -> the agent boot a speaker start step waited before gobgpd started. */
  speakerBootMs?: ReadonlyMap<string, number>;
  /** The topology's node lifecycle timers (node-lifecycle bounds). */
  nodeLifecycle?: NodeLifecycle;
  /** Traffic stream -> the topology's internet path between its two sites (none within a site). */
  streamPaths?: ReadonlyMap<string, ZerotierPath>;
  /** The one-way delay the emulated root adds to a relayed path. */
  rootDelayMs?: number;
  /** When the run ended: a missing value is not checked against a bound whose latest time lies beyond it. */
  endedAt?: number;
}

/** Host, VXLAN and relay processing on top of the emulated path's own delay, per round trip. */
const PATH_SLACK_MS = 5;

/** The kubelet renews every HEARTBEAT_MS and the controller looks every MONITOR_PERIOD_MS, so a
 * cut just after a renewal is seen grace - 10 s after it at the earliest, grace + 5 s at the latest. */
function nodeNotReadyBound(l: NodeLifecycle): { min: number; max: number } {
  return { min: l.gracePeriodMs - HEARTBEAT_MS, max: l.gracePeriodMs + MONITOR_PERIOD_MS + SLACK_MS };
}

/** BIRD fires every BGP timer up to 25 % early (CZ-NIC/bird proto/bgp/bgp.c, bgp_start_timer). */
const EARLY = 0.25;
/** Log, netlink and poll latency on top of a timer. */
const SLACK_MS = 1000;
/** BIRD 2's main loop fires timers after running events, then polls for up to 3 s when no
 * event was pending (CZ-NIC/bird sysdep/unix/io.c, io_loop: poll_tout 3000): an event a timer
 * hook schedules, as the graceful restart timeout schedules the session's stop and its route
 * flush, waits that long on an otherwise idle router. */
const BIRD_IDLE_POLL_MS = 3000;

export function computeMetric(spec: MetricSpec, input: MetricInput): Metric {
  // A metric measured from a step that never ran (the scenario stopped earlier) has no value.
  const anchorStep = spec.after !== undefined ? input.steps[input.stepIds.get(spec.after) ?? -1] : undefined;
  const anchor = anchorStep?.startedAt ?? input.startedAt;
  const untilStep = spec.until !== undefined ? input.steps[input.stepIds.get(spec.until) ?? -1] : undefined;
  const window = {
    from: spec.after !== undefined ? anchor : Number.NEGATIVE_INFINITY,
    to: untilStep?.startedAt ?? Number.POSITIVE_INFINITY,
  };
  const value =
    (spec.after !== undefined && !anchorStep) || (spec.until !== undefined && !untilStep)
      ? null
      : measure(spec, input, anchor, window);
  const bound = beyondTheRun(resolveBound(spec, input), value, anchor, input.endedAt);
  const withinBound =
    value === null || !bound || (bound.min === undefined && bound.max === undefined)
      ? null
      : (bound.min === undefined || value >= bound.min) && (bound.max === undefined || value <= bound.max);
  const unit: Metric["unit"] =
    spec.measure === "loss"
      ? "%"
      : spec.measure === "session-flaps"
        ? "count"
        : spec.measure === "step-value"
          ? "bytes"
          : "ms";
  return {
    name: spec.name,
    description: spec.description ?? defaultDescription(spec),
    unit,
    value: value === null ? null : Math.round(value * 10) / 10,
    ...(bound ? { bound } : {}),
    withinBound,
  };
}

/** A run that ended before a bound's latest time cannot tell a change that never comes from
 * one that comes later: no value then agrees with the bound, which keeps its why and gives no
 * verdict. A run that watched past it and saw nothing keeps the bound (a missing value). */
function beyondTheRun(
  bound: MetricBound | undefined,
  value: number | null,
  anchor: number,
  endedAt: number | undefined,
): MetricBound | undefined {
  const latest = bound?.max ?? bound?.min;
  if (!bound || value !== null || latest === undefined || endedAt === undefined) return bound;
  const watchedMs = endedAt - anchor;
  if (watchedMs >= latest) return bound;
  return { why: `${bound.why}; not due within the ${(watchedMs / 1000).toFixed(1)} s the run watched` };
}

function firstAfter<E extends LabEvent>(
  events: LabEvent[],
  anchor: number,
  match: (e: LabEvent) => e is E,
): E | undefined {
  return events
    .filter(match)
    .filter((e) => e.t >= anchor)
    .sort((a, b) => a.t - b.t)[0];
}

function measure(
  spec: MetricSpec,
  input: MetricInput,
  anchor: number,
  window: { from: number; to: number },
): number | null {
  const stream = input.probes.find((p) => p.name === spec.stream);
  switch (spec.measure) {
    case "session-down":
    case "session-up": {
      const state = spec.measure === "session-down" ? "down" : "up";
      const e = firstAfter(
        input.events,
        anchor,
        (x): x is Extract<LabEvent, { kind: "session" }> =>
          x.kind === "session" && x.owner === spec.on && x.peer === spec.peer && x.state === state,
      );
      return e ? e.t - anchor : null;
    }
    case "route-del":
    case "route-add": {
      const change = spec.measure === "route-del" ? "del" : "add";
      const e = firstAfter(
        input.events,
        anchor,
        (x): x is Extract<LabEvent, { kind: "route" }> =>
          x.kind === "route" &&
          x.router === spec.on &&
          x.prefix === spec.prefix &&
          x.change === change &&
          (spec.via === undefined || (x.via ?? "").split(",").includes(spec.via)),
      );
      return e ? e.t - anchor : null;
    }
    case "outage": {
      const o = input.outages.filter((x) => x.stream === spec.stream);
      return o.length ? Math.max(...o.map((x) => x.end - x.start)) : stream ? 0 : null;
    }
    case "loss":
      return stream ? lossPct(stream) : null;
    case "rtt-p50":
    case "rtt-p95":
    case "rtt-max": {
      if (!stream) return null;
      const samples = stream.samples.filter((x) => x.t >= window.from && x.t < window.to);
      const s = rttStats({ ...stream, samples });
      if (!s) return null;
      return spec.measure === "rtt-p50" ? s.p50 : spec.measure === "rtt-p95" ? s.p95 : s.max;
    }
    case "step-value":
      return input.steps[input.stepIds.get(spec.step ?? "") ?? -1]?.value ?? null;
    case "session-flaps":
      return input.events.filter((e) => e.kind === "session" && e.state === "down" && e.t >= anchor).length;
    case "up-check":
      return input.upChecks[spec.check ?? ""] ?? null;
    case "node-notready":
    case "pods-evicted": {
      const change = spec.measure === "node-notready" ? "notready" : "evicted";
      const e = firstAfter(
        input.events,
        anchor,
        (x): x is Extract<LabEvent, { kind: "node" }> =>
          x.kind === "node" && x.node === spec.on && x.change === change,
      );
      return e ? e.t - anchor : null;
    }
    case "zt-relayed":
      return relayedAt(input.events, anchor);
  }
}

type PathEvent = Extract<LabEvent, { kind: "zt-path" }>;

/** When the last direction of the ZeroTier link went through a root after the anchor (traffic
 * crosses both ways again), from the anchor; null if one never did. */
function relayedAt(events: LabEvent[], anchor: number): number | null {
  const paths = events.filter((e): e is PathEvent => e.kind === "zt-path");
  const directions = [...new Set(paths.map((e) => e.direction))];
  if (directions.length === 0) return null;
  let last = anchor;
  for (const d of directions) {
    const e = firstAfter(
      paths,
      anchor,
      (x): x is PathEvent => x.kind === "zt-path" && x.direction === d && x.via === "relay",
    );
    if (!e) return null;
    last = Math.max(last, e.t);
  }
  return last - anchor;
}

function resolveBound(spec: MetricSpec, input: MetricInput): MetricBound | undefined {
  const b = spec.bound;
  if (b === undefined) return undefined;
  if (typeof b === "object") {
    if (b.runtime && input.runtime && b.runtime !== input.runtime)
      return { why: `${b.why} (a ${b.runtime} bound, not applied on ${input.runtime})` };
    const { runtime: _, ...bound } = b;
    return bound;
  }
  const t = spec.on && spec.peer ? input.timers.sessions.get(`${spec.on}/${spec.peer}`) : undefined;
  switch (b) {
    case "hold-timer": {
      if (!t) return { why: `hold timer of ${spec.on}/${spec.peer} unknown` };
      if (t.bfdDetectMs !== null)
        return { max: t.bfdDetectMs + SLACK_MS, why: `BFD detection ${t.bfdDetectMs} ms + ${SLACK_MS} ms` };
      return {
        min: Math.max(0, ((1 - EARLY) * t.holdS - t.keepaliveS) * 1000),
        max: t.holdS * 1000 + SLACK_MS,
        why: `hold ${t.holdS} s, keepalive ${t.keepaliveS} s, timers fire up to 25 % early: [0.75·H − K, H]`,
      };
    }
    case "bfd":
      return t?.bfdDetectMs
        ? { max: t.bfdDetectMs + SLACK_MS, why: `BFD detection ${t.bfdDetectMs} ms` }
        : { why: "no BFD session" };
    case "error-wait": {
      // BIRD announces its back-off in the log: "Startup delayed by N seconds due to errors".
      const delays = input.events
        .flatMap((e) =>
          e.kind === "note" && e.message.includes(spec.peer ?? "\u0000")
            ? [Number(/delayed by (\d+) seconds/.exec(e.message)?.[1] ?? Number.NaN)]
            : [],
        )
        .filter((n) => !Number.isNaN(n));
      const delay = delays.length ? Math.max(...delays) : 0;
      return {
        max: delay * 1000 + 10_000,
        why: delay
          ? `error wait ${delay} s announced by BIRD, + connect delay and a keepalive`
          : "no error back-off announced: connect delay and a keepalive (10 s)",
      };
    }
    case "gobgp-connect":
      // Cilium's agent is a pod that restarts, with its own GoBGP: not this bound.
      if (input.runtime && input.runtime !== "netns")
        return {
          why: `gobgpd's dial delay bounds the netns runtime; on ${input.runtime} the agent's restart is not bounded`,
        };
      {
        const dial = dialDelay(input.speakerVersion ?? null);
        const boot = (spec.after && input.speakerBootMs?.get(spec.after)) || 0;
        return {
          max: boot + dial.maxS * 1000 + 2000,
          why: `${boot ? `agent boot ${boot / 1000} s, then ` : ""}${dial.why}, BIRD accepts at once; + 2 s`,
        };
      }
    case "node-lifecycle": {
      const l = input.nodeLifecycle;
      if (!l) return { why: "node lifecycle timers unknown" };
      const b = nodeNotReadyBound(l);
      if (spec.measure === "pods-evicted")
        return {
          min: b.min + l.tolerationMs,
          max: b.max + l.tolerationMs + MONITOR_PERIOD_MS,
          why: `NotReady (grace ${l.gracePeriodMs / 1000} s) + not-ready toleration ${l.tolerationMs / 1000} s, the controller looking every ${MONITOR_PERIOD_MS / 1000} s`,
        };
      return {
        ...b,
        why: `node-monitor-grace-period ${l.gracePeriodMs / 1000} s after the last of the kubelet's ${HEARTBEAT_MS / 1000} s heartbeats, the controller looking every ${MONITOR_PERIOD_MS / 1000} s`,
      };
    }
    case "zerotier-expiry":
      return {
        min: ZT_PEER_PATH_EXPIRATION_MS - ZT_PATH_HEARTBEAT_PERIOD_MS,
        max: ZT_PEER_PATH_EXPIRATION_MS + SLACK_MS,
        why: `ZeroTier relays ZT_PEER_PATH_EXPIRATION (${ZT_PEER_PATH_EXPIRATION_MS / 1000} s) after the last packet heard on the direct path, at most ZT_PATH_HEARTBEAT_PERIOD (${ZT_PATH_HEARTBEAT_PERIOD_MS / 1000} s) before the fault (ZeroTierOne 1.14.1 node/Constants.hpp)`,
      };
    case "zerotier-direct":
    case "zerotier-relayed": {
      const path = spec.stream ? input.streamPaths?.get(spec.stream) : undefined;
      if (!path) return { why: `no zerotier.paths entry between the sites of stream ${spec.stream}` };
      if (b === "zerotier-relayed" && input.rootDelayMs === undefined)
        return { why: `the root's delay is unknown on ${input.runtime ?? "this runtime"}` };
      const root = b === "zerotier-relayed" ? 2 * (input.rootDelayMs ?? 0) : 0;
      const rtt = path.rttMs + root;
      const spread = 2 * path.jitterMs;
      return {
        min: Math.max(0, rtt - spread),
        max: rtt + spread + PATH_SLACK_MS,
        why: `the topology's ${path.sites.join("-")} path: ${path.rttMs} ms round trip, ±${path.jitterMs} ms each way${root ? `, + the root's ${input.rootDelayMs} ms each way` : ""}, + ${PATH_SLACK_MS} ms of processing`,
      };
    }
    case "graceful-restart": {
      const gr = spec.on ? input.timers.gracefulRestartS.get(spec.on) : undefined;
      return gr ? { max: gr * 1000, why: `graceful restart time ${gr} s` } : { why: "graceful restart off" };
    }
    case "graceful-restart-expiry": {
      const gr = spec.prefix
        ? input.timers.gracefulRestartByPrefixS.get(spec.prefix)
        : spec.on
          ? input.timers.gracefulRestartS.get(spec.on)
          : undefined;
      if (!gr) return { why: "graceful restart off" };
      // No lower bound: a session back before the restart time ends graceful restart at its
      // End-of-RIB, and BIRD flushes what the speaker has not re-advertised by then.
      return {
        max: gr * 1000 + BIRD_IDLE_POLL_MS + SLACK_MS,
        why: `graceful restart time ${gr} s, then up to ${BIRD_IDLE_POLL_MS / 1000} s until BIRD's idle main loop runs the session's stop; earlier at the new session's End-of-RIB`,
      };
    }
  }
}

function defaultDescription(spec: MetricSpec): string {
  const from = spec.after ? `after step ${spec.after}` : "from the scenario start";
  switch (spec.measure) {
    case "session-down":
      return `${spec.on} declares ${spec.peer} down, ${from}`;
    case "session-up":
      return `${spec.on}'s session to ${spec.peer} Established, ${from}`;
    case "route-del":
      return `${spec.prefix} leaves ${spec.on}'s FIB, ${from}`;
    case "route-add":
      return spec.via
        ? `${spec.prefix} via ${spec.via} in ${spec.on}'s FIB, ${from}`
        : `${spec.prefix} back in ${spec.on}'s FIB, ${from}`;
    case "outage":
      return `longest window with every probe of ${spec.stream} lost`;
    case "loss":
      return `probe loss of ${spec.stream}`;
    case "rtt-p50":
    case "rtt-p95":
    case "rtt-max":
      return `${spec.measure.slice(4)} round-trip time of ${spec.stream}`;
    case "step-value":
      return `value measured by step ${spec.step}`;
    case "session-flaps":
      return `sessions that went down ${from}`;
    case "up-check":
      return `time from lab up to "${spec.check}" passing`;
    case "node-notready":
      return `the control plane marks ${spec.on} NotReady, ${from}`;
    case "pods-evicted":
      return `${spec.on}'s pods evicted (not-ready toleration over), ${from}`;
    case "zt-relayed":
      return `every direction of the ZeroTier link relayed through a root, ${from}`;
  }
}
