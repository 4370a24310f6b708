// What a lint check reports: one mistake in the design, where it is written, what it does at run
// time and how to fix it. Ids are stable (tests, docs and suppressions refer to them).
import type { SourceRef } from "../topology/model.ts";
import type { Finding as CheckFinding, Severity as CheckSeverity } from "../util/finding.ts";

/** Lint reports problems only, never "ok". */
export type Severity = Exclude<CheckSeverity, "ok">;

/** Ids are kebab-case, e.g. "ebgp-without-policy". */
export interface Finding extends CheckFinding {
  severity: Severity;
  file: string;
  line: number;
  col: number;
  /** One line: what happens at run time. */
  consequence: string;
  fix: string;
}

export interface FindingText {
  message: string;
  consequence: string;
  fix: string;
}

export function finding(id: string, severity: Severity, at: SourceRef, text: FindingText): Finding {
  return { id, severity, file: at.file, line: at.line, col: at.col, ...text };
}

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warn: 1, info: 2 };

/** Sorted by place, then severity and id, so output and tests are deterministic. */
export function sortFindings(list: readonly Finding[]): Finding[] {
  return [...list].sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      a.line - b.line ||
      a.col - b.col ||
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      a.id.localeCompare(b.id) ||
      a.message.localeCompare(b.message),
  );
}
