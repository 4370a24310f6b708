// Naming and grouping of scenario results shared by the reports: a stable key per result
// (used for SVG file names and Markdown links) and the per-scenario variant comparison.
import type { Metric, RunReport, ScenarioResult } from "../../scenario/types.ts";

/** "vpn-outage/seed"; a repeated scenario/variant pair gets " #2", " #3", ... */
export function resultKeys(results: ScenarioResult[]): string[] {
  const seen = new Map<string, number>();
  return results.map((r) => {
    const base = `${r.scenario}/${r.variant}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base} #${n}`;
  });
}

/**
 * One SVG file name per result key that cannot leave the report directory and cannot collide:
 * "vpn-outage/seed #2" -> "vpn-outage-seed-2.svg".
 */
export function svgFileNames(keys: string[]): string[] {
  const used = new Set<string>();
  return keys.map((key) => {
    const stem =
      key
        .replace(/ #(\d+)$/, "-$1")
        .replace(/\//g, "-")
        .replace(/[^A-Za-z0-9._-]+/g, "_")
        .replace(/^\.+/, "_") || "scenario";
    let name = `${stem}.svg`;
    for (let n = 2; used.has(name); n++) name = `${stem}~${n}.svg`;
    used.add(name);
    return name;
  });
}

/** Results grouped by scenario name, in the order scenarios first ran. */
export function byScenario(results: ScenarioResult[]): { scenario: string; results: ScenarioResult[] }[] {
  const groups = new Map<string, ScenarioResult[]>();
  for (const r of results) groups.set(r.scenario, [...(groups.get(r.scenario) ?? []), r]);
  return [...groups].map(([scenario, rs]) => ({ scenario, results: rs }));
}

export interface VariantComparison {
  scenario: string;
  /** Column labels: the variant names, with " #n" for repeats. */
  columns: string[];
  results: ScenarioResult[];
  /** One row per metric name, in first-seen order; undefined where a variant has no such metric. */
  rows: { name: string; cells: (Metric | undefined)[] }[];
}

/** For every scenario that ran with more than one variant (or more than once): metrics x variants. */
export function variantComparisons(results: ScenarioResult[]): VariantComparison[] {
  return byScenario(results)
    .filter((g) => g.results.length > 1)
    .map(({ scenario, results: rs }) => {
      const columns = resultKeys(rs).map((k) => k.slice(scenario.length + 1));
      const names = [...new Set(rs.flatMap((r) => r.metrics.map((m) => m.name)))];
      const rows = names.map((name) => ({
        name,
        cells: rs.map((r) => r.metrics.find((m) => m.name === name)),
      }));
      return { scenario, columns, results: rs, rows };
    });
}

export interface RunCounts {
  runs: number;
  pass: number;
  fail: number;
  error: number;
  interrupted: number;
  skipped: number;
}

export function runCounts(report: RunReport): RunCounts {
  const c: RunCounts = {
    runs: report.results.length,
    pass: 0,
    fail: 0,
    error: 0,
    interrupted: 0,
    skipped: 0,
  };
  for (const r of report.results) c[r.status]++;
  return c;
}

/** "3 scenario runs: 1 passed, 1 failed, 1 interrupted" (zero counts left out). */
export function formatCounts(c: RunCounts): string {
  const parts = [
    c.pass ? `${c.pass} passed` : "",
    c.fail ? `${c.fail} failed` : "",
    c.error ? `${c.error} errored` : "",
    c.interrupted ? `${c.interrupted} interrupted` : "",
    c.skipped ? `${c.skipped} skipped` : "",
  ].filter(Boolean);
  return `${c.runs} scenario run${c.runs === 1 ? "" : "s"}${parts.length ? `: ${parts.join(", ")}` : ""}`;
}
