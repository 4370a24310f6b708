// A suite: scenarios and their variants run one after another on one lab, into one report, and
// the verdict of the whole run. The runtime's prerequisites are checked once, before the first
// scenario; a scenario its runtime cannot run is reported as skipped, with why, and fails nothing.
import type { LabHandle } from "../runtime/kind.ts";
import type { ProgressSink } from "../util/progress.ts";
import { needsClusterNodes, runScenario } from "./engine.ts";
import type { Scenario, Variant } from "./model.ts";
import type { LabEvent, RunReport, ScenarioResult } from "./types.ts";

export interface SuiteOptions {
  /** Only these variants (by name); all when empty or absent. */
  variants?: readonly string[];
  signal?: AbortSignal;
  progress?: ProgressSink;
  onEvent?: (e: LabEvent) => void;
  /** Before and after each scenario variant, for the live view. */
  onStart?: (s: Scenario, v: Variant) => void;
  onDone?: (s: Scenario, v: Variant, r: ScenarioResult) => void;
}

export async function runSuite(
  h: LabHandle,
  scenarios: readonly Scenario[],
  opts: SuiteOptions = {},
): Promise<RunReport> {
  if (scenarios.some((s) => h.unsupported(s).length === 0 && needsClusterNodes(h, s).length === 0))
    await h.preflight("scenarios");
  const startedAt = Date.now();
  const report: RunReport = {
    lab: h.lab.name,
    runtime: h.kind.name,
    startedAt,
    endedAt: startedAt,
    interrupted: false,
    results: [],
  };
  try {
    for (const s of scenarios) {
      const variants = opts.variants?.length
        ? s.variants.filter((v) => opts.variants?.includes(v.name))
        : s.variants;
      for (const v of variants) {
        if (opts.signal?.aborted) break;
        opts.onStart?.(s, v);
        const result = await runScenario(h, s, v, {
          ...(opts.signal ? { signal: opts.signal } : {}),
          ...(opts.progress ? { progress: opts.progress } : {}),
          ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
        });
        report.results.push(result);
        opts.onDone?.(s, v, result);
      }
    }
  } finally {
    report.interrupted = opts.signal?.aborted ?? false;
    report.endedAt = Date.now();
  }
  return report;
}

/** pass: every scenario that ran passed with every metric within its bound. */
export function suiteVerdict(report: RunReport): "pass" | "fail" | "interrupted" {
  if (report.interrupted) return "interrupted";
  const ran = report.results.filter((r) => r.status !== "skipped");
  return ran.every((r) => r.status === "pass" && r.metrics.every((m) => m.withinBound !== false))
    ? "pass"
    : "fail";
}
