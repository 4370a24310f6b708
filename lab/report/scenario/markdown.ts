// The run as GitHub-flavoured Markdown, for $GITHUB_STEP_SUMMARY or a PR comment: a heading per
// scenario, a metric table per variant with bounds and a verdict column, the failed steps, and
// the variant comparison. appendStepSummary is the only function here that touches the disk.
import { appendFile } from "node:fs/promises";
import type { RunReport, ScenarioResult } from "../../scenario/types.ts";
import { formatBound, formatSeconds, formatValue, formatVersions, oneLine, verdict } from "./format.ts";
import { byScenario, formatCounts, resultKeys, runCounts, variantComparisons } from "./results.ts";

export interface MarkdownOptions {
  /** Timeline links keyed by result key ("vpn-outage/seed", see resultKeys). */
  svgLinks?: Record<string, string>;
}

const STATUS_ICON: Record<ScenarioResult["status"], string> = {
  pass: "✅ pass",
  fail: "❌ fail",
  error: "💥 error",
  interrupted: "⏹️ interrupted",
  skipped: "⏭️ skipped",
};

const VERDICT_ICON = { ok: "✅", out: "❌", "no-value": "❔", unbounded: "" } as const;

export function toMarkdown(report: RunReport, opts: MarkdownOptions = {}): string {
  const allKeys = resultKeys(report.results);
  const keys = new Map(report.results.map((r, i) => [r, allKeys[i] ?? r.scenario]));
  const started = new Date(report.startedAt).toISOString();
  const out = [
    `# Lab ${text(report.lab)}: scenario report${report.runtime ? ` (runtime ${text(report.runtime)})` : ""}`,
    "",
    `${formatCounts(runCounts(report))} · started ${started} · ${formatSeconds(report.endedAt - report.startedAt)}`,
  ];
  if (report.interrupted) {
    out.push("", "> [!WARNING]", "> The run was interrupted: scenarios it had not reached are missing.");
  }
  for (const group of byScenario(report.results)) {
    const first = group.results[0];
    out.push("", `## ${text(group.scenario)}${first ? ` — ${text(first.title)}` : ""}`);
    for (const r of group.results) out.push("", ...resultSection(r, keys.get(r) ?? r.scenario, opts));
    const comparison = variantComparisons(group.results)[0];
    if (comparison) {
      out.push("", `### ${comparison.columns.map(text).join(" vs ")}`, "");
      out.push(row(["metric", ...comparison.columns]), row(["---", ...comparison.columns.map(() => "--:")]));
      out.push(row(["status", ...comparison.results.map((r) => STATUS_ICON[r.status])]));
      for (const { name, cells } of comparison.rows) {
        const values = cells.map((m) =>
          m ? `${formatValue(m.value, m.unit)} ${VERDICT_ICON[verdict(m)]}` : "–",
        );
        out.push(row([code(name), ...values.map((v) => text(v).trim())]));
      }
    }
  }
  return `${out.join("\n")}\n`;
}

function resultSection(r: ScenarioResult, key: string, opts: MarkdownOptions): string[] {
  const link = opts.svgLinks?.[key];
  const facts = [
    code(r.file),
    `prepared: ${r.preparation}`,
    formatSeconds(r.endedAt - r.startedAt),
    ...(link ? [`[timeline](${encodeURI(link)})`] : []),
  ];
  const versions = formatVersions(r.versions);
  const out = [`### ${text(r.variant)} ${STATUS_ICON[r.status]}`, "", facts.join(" · ")];
  if (versions) out.push("", `Versions: ${text(versions)}`);
  if (r.error) out.push("", `**Error:** ${text(r.error)}`);
  if (r.skipReason) out.push("", `**Skipped:** ${text(r.skipReason)}`);
  if (r.metrics.length) {
    out.push("", row(["metric", "value", "bound", "", "why"]), row(["---", "--:", "---", ":-:", "---"]));
    for (const m of r.metrics) {
      out.push(
        row([
          `${code(m.name)} ${text(m.description)}`,
          text(formatValue(m.value, m.unit)),
          text(formatBound(m.bound, m.unit)),
          VERDICT_ICON[verdict(m)],
          text(m.bound?.why ?? ""),
        ]),
      );
    }
  }
  const failed = r.steps.filter((s) => s.status === "fail");
  if (failed.length) {
    out.push("", "**Failed steps**", "");
    for (const s of failed) {
      out.push(`- step ${s.index} (${s.kind}): ${text(s.summary)}`);
      if (s.expected !== undefined) out.push(`  - expected: ${text(s.expected)}`);
      if (s.seen !== undefined) out.push(`  - seen: ${text(s.seen)}`);
    }
  }
  const skipped = r.steps.filter((s) => s.status === "skipped").length;
  if (skipped) out.push("", `${skipped} step(s) not finished.`);
  return out;
}

/** Plain text: no HTML, no Markdown syntax, one line (table cells and list items cannot span lines). */
function text(s: string): string {
  return oneLine(s)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/[\\`*_[\]|~]/g, "\\$&");
}

/** Names and paths as inline code; anything unusual falls back to escaped text, which is always safe. */
function code(s: string): string {
  return /^[\w./-]+$/.test(s) ? `\`${s}\`` : text(s);
}

function row(cells: string[]): string {
  return `| ${cells.join(" | ")} |`;
}

/** Appends to the file named by GITHUB_STEP_SUMMARY; returns false (and writes nothing) when unset. */
export async function appendStepSummary(
  markdown: string,
  env: Record<string, string | undefined> = process.env,
): Promise<boolean> {
  const file = env.GITHUB_STEP_SUMMARY;
  if (!file) return false;
  await appendFile(file, markdown.endsWith("\n") ? markdown : `${markdown}\n`);
  return true;
}
