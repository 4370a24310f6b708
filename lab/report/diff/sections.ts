// The parts of a diff report as rows, shared by the terminal table and the Markdown, so the two
// never disagree about what changed or how a value is written.
import type { FieldChange } from "../../diff/compare.ts";
import { type MetricComparison, presence } from "../../diff/metrics.ts";
import type { DiffReport, DiffSide } from "../../diff/model.ts";
import { formatNumber, formatValue } from "../scenario/format.ts";

export interface Section {
  title: string;
  header: string[];
  rows: string[][];
}

const show = (v: unknown): string =>
  v === null || v === undefined ? "-" : Array.isArray(v) ? (v.length ? v.join(" ") : "(empty)") : String(v);

/** "exportFilter ACCEPT -> (unnamed); holdTime 240 -> 90" */
export function formatFields(fields: readonly FieldChange[]): string {
  return fields.map((f) => `${f.field} ${show(f.base)} -> ${show(f.head)}`).join("; ");
}

/** One side's values over the repeats: "412 ms", "30,020..30,180 ms", "n/a". */
export function formatRange(values: readonly (number | null)[], unit: MetricComparison["unit"]): string {
  const v = values.filter((x): x is number => x !== null);
  if (!v.length) return values.length ? "n/a" : "not run";
  const lo = Math.min(...v);
  const hi = Math.max(...v);
  const missing = v.length < values.length ? ` (${values.length - v.length} without value)` : "";
  return lo === hi
    ? `${formatValue(lo, unit)}${missing}`
    : `${formatNumber(lo)}..${formatValue(hi, unit)}${missing}`;
}

export function describeSide(s: DiffSide): string {
  const at = s.commit ? `${s.ref} (${s.commit.slice(0, 10)})` : s.ref;
  if (!s.settled) return at;
  const state = s.settled.converged ? "converged" : "did NOT converge";
  return `${at}: lab ${s.lab} ${state} in ${(s.settled.ms / 1000).toFixed(1)} s`;
}

export function sections(r: DiffReport): Section[] {
  const c = r.changes;
  const out: Section[] = [
    {
      title: "Sessions",
      header: ["On", "Session", "Peer", "Change", "Detail"],
      rows: c.sessions.map((s) => [s.on, s.session, s.peer ?? "-", s.change, formatFields(s.fields)]),
    },
    {
      title: "Routes (BIRD tables)",
      header: ["Router", "Prefix", "Protocol", "Best", "Change", "Detail"],
      rows: c.routes.map((x) => [
        x.router,
        x.prefix,
        x.protocol,
        x.best ? "*" : "",
        x.change,
        formatFields(x.fields),
      ]),
    },
    {
      title: "Exports (Adj-RIB-Out per session)",
      header: ["Router", "Session", "Peer", "Prefix", "Change", "Detail"],
      rows: c.exports.map((x) => [
        x.router,
        x.session,
        x.peer ?? "-",
        x.prefix,
        x.change,
        formatFields(x.fields),
      ]),
    },
    {
      title: "Kernel FIB",
      header: ["Router", "Destination", "Change", "Detail"],
      rows: c.fib.map((x) => [x.router, x.dst, x.change, formatFields(x.fields)]),
    },
    {
      title: "Node speakers",
      header: ["Node", "Direction", "Prefix", "Change"],
      rows: c.nodeRoutes.map((x) => [x.node, x.direction, x.prefix, x.change]),
    },
    {
      title: "Reachability (pod to pod)",
      header: ["From", "To", "Probe", "Change"],
      rows: c.reachability.map((x) => [
        x.from,
        x.to,
        x.probe.toUpperCase(),
        x.change === "lost" ? "LOST" : "gained",
      ]),
    },
  ];
  return out.filter((s) => s.rows.length);
}

function changeCell(m: MetricComparison): string {
  if (m.changed)
    return `${m.metric} ${formatRange(m.base, m.unit).replace(/ (ms|%|bytes)$/, "")} -> ${formatRange(m.head, m.unit)}`;
  const p = presence(m.base, m.head);
  // Shown, not counted: one run each cannot tell a racy event from one the change brought.
  return p ? `${p} (counted from 2 runs each)` : "-";
}

export function metricSection(r: DiffReport): Section | null {
  if (!r.metrics.length) return null;
  return {
    title: `Scenario metrics (${r.repeat} run${r.repeat === 1 ? "" : "s"} each)`,
    header: ["Scenario", "Metric", "Base", "Head", "Change", "Granularity"],
    rows: r.metrics.map((m) => [
      `${m.scenario} [${m.variant}]`,
      m.metric,
      formatRange(m.base, m.unit),
      formatRange(m.head, m.unit),
      changeCell(m),
      `${formatValue(m.granularity.value, m.unit)} (${m.granularity.why})`,
    ]),
  };
}

export function statusSection(r: DiffReport): Section | null {
  const rows = r.scenarioStatus
    .filter((s) => s.base.join() !== s.head.join() || s.head.some((x) => x !== "pass"))
    .map((s) => [
      `${s.scenario} [${s.variant}]`,
      s.base.join(", ") || "not run",
      s.head.join(", ") || "not run",
    ]);
  return rows.length
    ? { title: "Scenario results that differ or failed", header: ["Scenario", "Base", "Head"], rows }
    : null;
}

export function guardRows(r: DiffReport): string[][] {
  return r.guards.map((g) => [g.ok === null ? "skip" : g.ok ? "ok" : "FAIL", g.name, g.problems.join("; ")]);
}

/** The one line that says what the diff found. */
export function headline(r: DiffReport): string {
  if (r.verdict.exit === 130) return "interrupted: the report is incomplete";
  const n = r.differences.length;
  const what =
    n === 0
      ? "no change in routing or behaviour"
      : `${n} difference${n === 1 ? "" : "s"} in routing or behaviour`;
  return `${what}; ${r.verdict.failures.length ? `FAIL: ${r.verdict.failures.join("; ")}` : "every guard holds, no reachability lost"}`;
}
