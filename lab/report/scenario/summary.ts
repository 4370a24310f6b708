// The terminal summary printed when a run ends: one table of every result and metric, then
// what went wrong (out-of-bound metrics with the reason for their bound, failed steps, errors).
import type { RunReport, ScenarioResult } from "../../scenario/types.ts";
import { table } from "../../util/table.ts";
import {
  formatBound,
  formatSeconds,
  formatValue,
  oneLine,
  printable,
  STATUS_TEXT,
  VERDICT_TEXT,
  verdict,
} from "./format.ts";
import { formatCounts, resultKeys, runCounts, variantComparisons } from "./results.ts";

export function formatSummaryTable(report: RunReport): string {
  const header = ["scenario", "variant", "status", "prepared", "metric", "value", "bound", "check"];
  const rows = report.results.flatMap((r) => {
    const head = [r.scenario, r.variant, STATUS_TEXT[r.status], r.preparation];
    const blank = head.map(() => "");
    if (r.metrics.length === 0) return [[...head, "-", "", "", ""]];
    return r.metrics.map((m, i) => [
      ...(i === 0 ? head : blank),
      m.name,
      formatValue(m.value, m.unit),
      formatBound(m.bound, m.unit),
      VERDICT_TEXT[verdict(m)],
    ]);
  });
  const title = `lab ${oneLine(report.lab)}: ${formatCounts(runCounts(report))} in ${formatSeconds(report.endedAt - report.startedAt)}${report.interrupted ? " (run interrupted)" : ""}`;
  const keys = resultKeys(report.results);
  const problems = report.results.flatMap((r, i) => problemLines(r, keys[i] ?? r.scenario));
  return `${[
    title,
    "",
    table(
      header,
      rows.map((row) => row.map(oneLine)),
    ),
    ...(problems.length ? ["", ...problems] : []),
  ].join("\n")}\n`;
}

function problemLines(r: ScenarioResult, key: string): string[] {
  const lines: string[] = [];
  for (const m of r.metrics) {
    if (verdict(m) !== "out") continue;
    lines.push(
      `${key}: ${m.name} = ${formatValue(m.value, m.unit)}, outside ${formatBound(m.bound, m.unit)} (${m.bound?.why ?? ""})`,
    );
  }
  for (const s of r.steps) {
    if (s.status !== "fail") continue;
    lines.push(`${key}: step ${s.index} failed: ${s.kind} ${s.summary}`);
    if (s.expected !== undefined) lines.push(indented("expected: ", s.expected));
    if (s.seen !== undefined) lines.push(indented("seen:     ", s.seen));
  }
  if (r.status === "interrupted") {
    const notRun = r.steps.filter((s) => s.status === "skipped").length;
    lines.push(
      `${key}: interrupted after ${formatSeconds(r.endedAt - r.startedAt)}; ${notRun} step(s) not finished`,
    );
  }
  if (r.status === "skipped") lines.push(indented(`${key}: skipped: `, r.skipReason ?? "not run", ""));
  if (r.error) lines.push(indented(`${key}: error: `, r.error, ""));
  return lines.map(printable);
}

/** Continuation lines of a multi-line text line up under its first line. */
function indented(label: string, text: string, lead = "  "): string {
  const pad = " ".repeat(lead.length + label.length);
  return `${lead}${label}${text.split(/\r?\n/).join(`\n${pad}`)}`;
}

/**
 * One table per scenario run with several variants: metrics as rows, variants as columns,
 * so "seed vs bfd" reads across. Out-of-bound values carry a "!". Empty when nothing compares.
 */
export function formatVariantComparison(results: ScenarioResult[]): string {
  const blocks = variantComparisons(results).map((c) => {
    const status = ["status", ...c.results.map((r) => STATUS_TEXT[r.status])];
    const rows = c.rows.map((row) => [
      row.name,
      ...row.cells.map((m) =>
        m ? `${formatValue(m.value, m.unit)}${verdict(m) === "out" ? " !" : ""}` : "-",
      ),
    ]);
    const anyOut = c.rows.some((row) => row.cells.some((m) => m && verdict(m) === "out"));
    const lines = [
      `${c.scenario}: ${c.columns.join(" vs ")}`,
      table(
        ["metric", ...c.columns],
        [status, ...rows].map((row) => row.map(oneLine)),
      ),
    ];
    if (anyOut) lines.push("! out of bound");
    return lines.join("\n");
  });
  return blocks.length ? `${blocks.join("\n\n")}\n` : "";
}
