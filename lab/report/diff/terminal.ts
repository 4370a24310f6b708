// The diff for the terminal: where each side came from, a table per kind of difference, the
// scenario figures side by side, the head's guards, and the headline.
import type { DiffReport } from "../../diff/model.ts";
import { table } from "../../util/table.ts";
import {
  describeSide,
  guardRows,
  headline,
  metricSection,
  type Section,
  sections,
  statusSection,
} from "./sections.ts";

const block = (s: Section) => `${s.title}\n${table(s.header, s.rows, 2)}`;

export function formatDiff(r: DiffReport): string {
  const out = [
    `lab diff (runtime ${r.runtime})`,
    `  base: ${describeSide(r.base)}`,
    `  head: ${describeSide(r.head)}`,
  ];
  for (const [which, side] of [
    ["base", r.base],
    ["head", r.head],
  ] as const)
    if (side.settled && !side.settled.converged)
      out.push(`  ${which} did not converge:`, ...side.settled.problems.map((p) => `    ${p}`));
  for (const s of sections(r)) out.push("", block(s));
  const metrics = metricSection(r);
  if (metrics) out.push("", block(metrics));
  const status = statusSection(r);
  if (status) out.push("", block(status));
  if (r.notRun.length) out.push("", "Scenarios not run", ...r.notRun.map((n) => `  ${n}`));
  if (r.guards.length) out.push("", `Guards on head\n${table(["", "Guard", "Problems"], guardRows(r), 2)}`);
  if (r.intent)
    out.push(
      "",
      `Intent (${r.intent.file})`,
      ...(r.intent.undeclared.length
        ? r.intent.undeclared.map((d) => `  undeclared: ${d}`)
        : ["  every difference is declared"]),
      ...r.intent.unmet.map((d) => `  did not happen: ${d}`),
    );
  out.push("", headline(r));
  return out.join("\n");
}
