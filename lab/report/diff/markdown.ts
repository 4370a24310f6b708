// The diff as GitHub-flavoured Markdown, for a pull-request comment and $GITHUB_STEP_SUMMARY. The
// first line is a marker the workflow finds its own comment by, to update it instead of adding one.
import type { DiffReport } from "../../diff/model.ts";
import {
  describeSide,
  guardRows,
  headline,
  metricSection,
  type Section,
  sections,
  statusSection,
} from "./sections.ts";

export const COMMENT_MARKER = "<!-- xsite-lab config-change -->";

/** Pipes and newlines would break a table row; backticks would open code spans. */
const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\r?\n/g, " ").replace(/`/g, "'");

function mdTable(s: Section): string[] {
  return [
    `### ${s.title}`,
    "",
    `| ${s.header.map(cell).join(" | ")} |`,
    `| ${s.header.map(() => "---").join(" | ")} |`,
    ...s.rows.map((r) => `| ${r.map((c) => cell(c) || " ").join(" | ")} |`),
    "",
  ];
}

export function diffMarkdown(r: DiffReport): string {
  const icon = r.verdict.exit === 0 ? "✅" : r.verdict.exit === 130 ? "⏹️" : "❌";
  const out = [
    COMMENT_MARKER,
    `## ${icon} Config change: ${cell(headline(r))}`,
    "",
    `- base: ${cell(describeSide(r.base))}`,
    `- head: ${cell(describeSide(r.head))}`,
    `- runtime ${r.runtime}; scenarios: ${r.scenarios.join(", ") || "none"}${r.scenarios.length ? ` (${r.repeat} run${r.repeat === 1 ? "" : "s"} each)` : ""}`,
    "",
  ];
  for (const [which, side] of [
    ["base", r.base],
    ["head", r.head],
  ] as const)
    if (side.settled && !side.settled.converged)
      out.push(
        `> [!WARNING]`,
        `> The ${which} lab did not converge:`,
        ...side.settled.problems.map((p) => `> - ${cell(p)}`),
        "",
      );
  for (const s of sections(r)) out.push(...mdTable(s));
  const metrics = metricSection(r);
  if (metrics) out.push(...mdTable(metrics));
  const status = statusSection(r);
  if (status) out.push(...mdTable(status));
  if (r.notRun.length) out.push("### Scenarios not run", "", ...r.notRun.map((n) => `- ${cell(n)}`), "");
  if (r.guards.length)
    out.push(
      ...mdTable({
        title: "Guards on head",
        header: ["", "Guard", "Problems"],
        rows: guardRows(r).map(([mark = "", name = "", problems = ""]) => [
          mark === "ok" ? "✅" : mark === "skip" ? "⏭️" : "❌",
          name,
          problems,
        ]),
      }),
    );
  if (r.intent) {
    out.push(`### Intent`, "");
    if (!r.intent.undeclared.length && !r.intent.unmet.length)
      out.push("Every difference is declared, and every declared one happened.");
    out.push(
      ...r.intent.undeclared.map((d) => `- ❌ undeclared: \`${d}\``),
      ...r.intent.unmet.map((d) => `- ❌ did not happen: \`${d}\``),
      "",
    );
  }
  return `${out.join("\n").trimEnd()}\n`;
}
