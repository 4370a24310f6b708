// Runs scenarios against a lab through its runtime's handle (lab/runtime/kind.ts): prepares the lab
// (fresh, the running one brought back to converged, or reconfigured in place), starts the
// event sources, executes the steps, always reverts its faults, and computes the metrics.
// Everything that happens goes into one event stream.

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { readConvergence } from "../observe/convergence.ts";
import type { LabHandle } from "../runtime/kind.ts";
import { withVariant } from "../topology/build.ts";
import type { Lab, ZerotierPath } from "../topology/model.ts";
import { labNodeLifecycle } from "../topology/node-lifecycle.ts";
import { TimeoutError } from "../util/errors.ts";
import { type ProgressSink, silent } from "../util/progress.ts";
import { waitFor } from "../util/wait.ts";
import { DEFAULT_AGENT_BOOT_MS } from "./agent-boot.ts";
import { checkExpectation, describeExpectation, pathMtu } from "./expects.ts";
import { applyFault, type FaultOutcome, faultTarget } from "./faults.ts";
import { computeMetric } from "./metrics.ts";
import type { Scenario, ScenarioStep, Variant } from "./model.ts";
import { PodCidrs } from "./pod-cidrs.ts";
import { computeOutages } from "./sources/probe.ts";
import { noTimers, readTimers, type TimerInfo } from "./timers.ts";
import type { LabEvent, ProbeStream, ScenarioResult, StepResult } from "./types.ts";
import { type RunningProbe, routeEventsFromBird, startProbe, startWatchers, type Watchers } from "./watch.ts";

export interface EngineOptions {
  signal?: AbortSignal;
  /** Live view: one call per event as it happens. */
  onEvent?: (e: LabEvent) => void;
  progress?: ProgressSink;
  /** Budget to bring a lab (back) to converged before a scenario (default: the runtime's). */
  convergeBudgetMs?: number;
}

/** What the running lab was started with, so a scenario knows whether it can reuse it. */
function configKey(lab: Lab): string {
  return JSON.stringify({
    routers: lab.routers.map((r) => r.birdConf),
    nodes: lab.nodes.map((n) => [n.name, n.bgp]),
  });
}

interface LabState {
  key: string;
  dirty: boolean;
}

const stateFile = (h: LabHandle) => `${h.dir}/scenario-state.json`;

function readState(h: LabHandle): LabState | null {
  try {
    return JSON.parse(readFileSync(stateFile(h), "utf8")) as LabState;
  } catch {
    return null;
  }
}

function writeState(h: LabHandle, state: LabState): void {
  if (existsSync(h.dir)) writeFileSync(stateFile(h), JSON.stringify(state));
}

async function freshLab(h: LabHandle, opts: EngineOptions): Promise<void> {
  await h.down();
  await h.up({
    budgetMs: opts.convergeBudgetMs ?? h.convergeBudgetMs,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  writeState(h, { key: configKey(h.lab), dirty: false });
}

/** Brings the lab to the state the scenario starts from; says which way it went. */
async function prepare(
  h: LabHandle,
  scenario: Scenario,
  opts: EngineOptions,
): Promise<ScenarioResult["preparation"]> {
  const progress = opts.progress ?? silent;
  const { lab } = h;
  if (scenario.prepare === "down") {
    await h.down();
    return "fresh";
  }
  const state = readState(h);
  const running = h.isUp();
  let preparation: ScenarioResult["preparation"] = "reconverged";
  const otherConfigs = state !== null && !state.dirty && state.key !== configKey(lab);
  if (running && otherConfigs && scenario.prepare !== "fresh" && h.reconfigure) {
    // A lab that takes minutes to create (clab) gets the variant's configs in place.
    const what = await h.reconfigure(opts.signal);
    progress({ kind: "info", message: `${scenario.name}: reconfigured the running lab (${what})` });
    writeState(h, { key: configKey(lab), dirty: false });
    preparation = "reconfigured";
  } else if (scenario.prepare === "fresh" || !running || !state || state.dirty || otherConfigs) {
    progress({ kind: "info", message: `${scenario.name}: starting a fresh lab` });
    await freshLab(h, opts);
    return "fresh";
  }
  try {
    await waitFor(
      async () => {
        const bad = (await readConvergence(h)).filter((c) => !c.ok);
        return bad.length === 0 || bad.map((c) => `${c.name}: ${c.problems.join("; ")}`).join("\n");
      },
      {
        what: "lab back to converged",
        budgetMs: opts.convergeBudgetMs ?? h.convergeBudgetMs,
        intervalMs: h.convergeIntervalMs,
        ...(opts.signal ? { signal: opts.signal } : {}),
      },
    );
    return preparation;
  } catch (err) {
    if (!(err instanceof TimeoutError)) throw err;
    progress({
      kind: "warn",
      message: `${scenario.name}: the lab did not reconverge (${err.diagnosis.split("\n")[0]}); starting fresh`,
    });
    await freshLab(h, opts);
    return "fresh";
  }
}

/** Runs one scenario variant on the lab behind `base` (its configs with the variant applied). */
export async function runScenario(
  base: LabHandle,
  scenario: Scenario,
  variant: Variant,
  opts: EngineOptions = {},
): Promise<ScenarioResult> {
  let h = base.withLab(withVariant(base.lab, variant));
  const events: LabEvent[] = [];
  // Route events in the topology's prefixes, whatever the lab's cluster allocated.
  let cidrs = new PodCidrs();
  const record = (raw: LabEvent) => {
    const e = cidrs.event(raw);
    events.push(e);
    opts.onEvent?.(e);
  };
  const startedAt = Date.now();
  const result: ScenarioResult = {
    scenario: scenario.name,
    title: scenario.title,
    file: scenario.file,
    variant: variant.name,
    runtime: h.kind.name,
    status: "pass",
    preparation: "fresh",
    startedAt,
    endedAt: startedAt,
    steps: [],
    metrics: [],
    events,
    probes: [],
    outages: [],
  };
  const reverts: { what: string; fn: () => Promise<void> }[] = [];
  const probes: RunningProbe[] = [];
  let watchers: Watchers | undefined;
  let dirty = false;
  let timers: TimerInfo = noTimers();
  let upChecks: Record<string, number> = {};
  // Refused before anything runs: a step this runtime cannot perform would make the numbers lie.
  const refused = [...h.unsupported(scenario), ...needsClusterNodes(h, scenario)];
  if (refused.length) {
    result.status = "skipped";
    result.skipReason = refused.map((r) => `line ${r.step.line}: ${r.why}`).join("; ");
    return result;
  }
  try {
    result.preparation = await prepare(h, scenario, opts);
    // Which BIRD, GoBGP, kernel (Kubernetes, Cilium) produced the figures, asked of the lab once it
    // runs; a report without them cannot be compared with another.
    const versions = await h.versions?.().catch(() => undefined);
    if (versions) result.versions = versions;
    result.startedAt = Date.now();
    let labUp = scenario.prepare !== "down";
    const learnCidrs = async () => {
      cidrs = new PodCidrs(podCidrMap(h.lab, await h.podCidrs()));
      if (!cidrs.identity) record({ t: Date.now(), kind: "note", message: `pod CIDRs: ${cidrs.describe()}` });
    };
    if (labUp) {
      await learnCidrs();
      watchers = await startWatchers(h, record);
      timers = await readTimers(h);
    }
    for (const [index, step] of scenario.steps.entries()) {
      opts.signal?.throwIfAborted();
      const sr = await runStep(index, step);
      result.steps.push(sr);
      if (sr.status === "fail") {
        result.status = "fail";
        break;
      }
    }

    async function runStep(index: number, step: ScenarioStep): Promise<StepResult> {
      const summary = stepSummary(step);
      const label = `${step.kind} ${summary}`;
      const t0 = Date.now();
      record({ t: t0, kind: "step", index, step: label, status: "start" });
      const done = (status: "pass" | "fail", extra: Partial<StepResult> = {}): StepResult => {
        const t = Date.now();
        record({
          t,
          kind: "step",
          index,
          step: label,
          status,
          ...(extra.seen ? { detail: extra.seen } : {}),
        });
        return { index, kind: step.kind, summary, status, startedAt: t0, endedAt: t, ...extra };
      };
      switch (step.kind) {
        case "wait":
          await sleep(step.ms, opts.signal);
          return done("pass");
        case "traffic":
          probes.push(await startProbe(h, step));
          return done("pass");
        case "measure": {
          const value = await pathMtu(h, step.pathMtu.from, step.pathMtu.to, step.pathMtu.max);
          return done(value > 0 ? "pass" : "fail", { value, seen: `largest packet ${value} bytes` });
        }
        case "expect": {
          const expected = describeExpectation(step.expect);
          try {
            const w = await waitFor(() => checkExpectation(h, cidrs.expectation(step.expect)), {
              what: expected,
              budgetMs: step.withinMs,
              intervalMs: 200,
              ...(opts.signal ? { signal: opts.signal } : {}),
            });
            return done("pass", { expected, seen: `held after ${(w.elapsedMs / 1000).toFixed(1)} s` });
          } catch (err) {
            if (err instanceof TimeoutError)
              return done("fail", {
                expected: `${expected} within ${step.withinMs / 1000} s`,
                seen: err.diagnosis,
              });
            throw err;
          }
        }
        case "fault": {
          const target = faultTarget(step.fault);
          if (step.fault.kind === "lab") {
            const up = await h.up({
              budgetMs: opts.convergeBudgetMs ?? h.convergeBudgetMs,
              ...(opts.signal ? { signal: opts.signal } : {}),
            });
            writeState(h, { key: configKey(h.lab), dirty: false });
            upChecks = up.timings?.checks ?? {};
            record({
              t: t0,
              kind: "fault",
              action: "up",
              target,
              detail: `converged in ${((up.timings?.convergedMs ?? 0) / 1000).toFixed(1)} s`,
            });
            // The lab did not exist before: read what happened from BIRD's log and tables.
            await learnCidrs();
            watchers = await startWatchers(h, record, { fromStart: true });
            for (const e of await routeEventsFromBird(h)) record(e);
            timers = await readTimers(h);
            labUp = true;
            return done("pass", {
              seen: `lab up in ${((up.timings?.convergedMs ?? 0) / 1000).toFixed(1)} s`,
            });
          }
          if (!labUp)
            throw new Error("the lab is not up: start the scenario with a `fault: { lab: up }` step");
          const out: FaultOutcome = await applyFault(h, step.fault);
          record({ t: Date.now(), kind: "fault", action: step.fault.action, target, detail: out.detail });
          if (out.revert) reverts.push({ what: `${step.fault.action} ${target}`, fn: out.revert });
          if (out.dirty) dirty = true;
          if (out.lab) {
            h = h.withLab(out.lab);
            await watchers?.addNode?.(
              h,
              step.fault.kind === "node" && step.fault.action === "add" ? step.fault.node.name : "",
            );
          }
          return done("pass", { seen: out.detail });
        }
      }
    }
  } catch (err) {
    const interrupted = opts.signal?.aborted ?? false;
    result.status = interrupted ? "interrupted" : "error";
    result.error = interrupted ? "interrupted" : (err as Error).message;
  } finally {
    // Undo faults newest first; keep going when one fails, and say so in the stream.
    for (const r of reverts.reverse()) {
      try {
        await r.fn();
        record({ t: Date.now(), kind: "note", message: `reverted: ${r.what}` });
      } catch (err) {
        dirty = true;
        record({
          t: Date.now(),
          kind: "note",
          message: `could not revert ${r.what}: ${(err as Error).message}`,
        });
      }
    }
    const streams: ProbeStream[] = [];
    for (const p of probes) streams.push(await p.stop());
    result.probes = streams;
    result.outages = streams.flatMap((s) => computeOutages(s));
    await watchers?.stop();
    if (dirty) writeState(h, { key: configKey(h.lab), dirty: true });
    result.endedAt = Date.now();
  }
  // The root's delay as the lab has it now (link zt root may have changed it); none without a root.
  const rootDelayMs = await h
    .ztPaths?.()
    .then((z) => z.rootDelayMs)
    .catch(() => undefined);
  const stepIds = new Map(scenario.steps.flatMap((s, i) => (s.id ? [[s.id, i] as const] : [])));
  result.metrics = scenario.metrics.map((m) =>
    computeMetric(m, {
      startedAt: result.startedAt,
      events,
      probes: result.probes,
      outages: result.outages,
      steps: result.steps,
      stepIds,
      timers,
      upChecks,
      runtime: h.kind.name,
      speakerVersion: result.versions?.gobgp ?? null,
      speakerBootMs: speakerBoots(scenario),
      nodeLifecycle: labNodeLifecycle(h.lab.cluster),
      streamPaths: streamPaths(h.lab, scenario),
      rootDelayMs,
      endedAt: result.endedAt,
    }),
  );
  events.sort((a, b) => a.t - b.t);
  return result;
}

/** Traffic stream -> the topology's internet path between the sites of its two ends. */
function streamPaths(lab: Lab, scenario: Scenario): Map<string, ZerotierPath> {
  const siteOf = (element: string) =>
    lab.routers.find((r) => r.name === element)?.site ??
    lab.nodes.find((n) => n.name === element || n.pods.some((p) => p.name === element))?.site;
  const out = new Map<string, ZerotierPath>();
  for (const step of scenario.steps) {
    if (step.kind !== "traffic") continue;
    const [a, b] = [siteOf(step.from), siteOf(step.to)];
    const path = lab.zerotier.paths.find(
      (p) => p.sites.includes(a ?? "") && p.sites.includes(b ?? "") && a !== b,
    );
    if (path) out.set(step.name, path);
  }
  return out;
}

/** Step id -> the agent boot a speaker start step waits before gobgpd dials (metrics add it). */
function speakerBoots(scenario: Scenario): Map<string, number> {
  return new Map(
    scenario.steps.flatMap((s) =>
      s.id && s.kind === "fault" && s.fault.kind === "speaker" && s.fault.action === "start"
        ? [[s.id, s.fault.bootMs ?? DEFAULT_AGENT_BOOT_MS] as const]
        : [],
    ),
  );
}

/** Topology pod CIDR -> the lab's, for the nodes whose CIDR the lab allocated otherwise. */
export function podCidrMap(lab: Lab, actual: ReadonlyMap<string, string[]>): Map<string, string> {
  const out = new Map<string, string>();
  for (const n of lab.nodes) {
    const got = actual.get(n.name)?.[0];
    if (got && got !== n.podCidr.text) out.set(n.podCidr.text, got);
  }
  return out;
}

/** What a step does, without its kind (reports show the kind beside it). */
export function stepSummary(step: ScenarioStep): string {
  switch (step.kind) {
    case "wait":
      return `${step.ms / 1000} s`;
    case "traffic":
      return `${step.name}: ${step.from} -> ${step.to} at ${step.rate} pps for ${step.durationMs / 1000} s${step.size !== undefined ? `, ${step.size}-byte payload` : ""}`;
    case "measure":
      return `path MTU ${step.pathMtu.from} -> ${step.pathMtu.to}`;
    case "expect":
      return `${describeExpectation(step.expect)} within ${step.withinMs / 1000} s`;
    case "fault":
      return `${faultTarget(step.fault)} ${step.fault.action}`;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(t);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

/** Node expectations read the control plane through clusterNodes; a kind without it refuses them. */
export function needsClusterNodes(h: LabHandle, scenario: Scenario): { step: ScenarioStep; why: string }[] {
  if (h.clusterNodes) return [];
  return scenario.steps.flatMap((step) =>
    step.kind === "expect" && step.expect.kind === "node"
      ? [
          {
            step,
            why: `expect node: the ${h.kind.name} runtime does not read node readiness (no clusterNodes)`,
          },
        ]
      : [],
  );
}
