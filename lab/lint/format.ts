// Text output of the findings: one block per finding, compiler style, so editors can jump to it.
// JSON output is the array of findings.
import { relative } from "node:path";
import type { Finding, Severity } from "./finding.ts";

/** Lint has always written "warning" where the shared severity says "warn" (doctor writes "warn");
 * scripts read lint's text and JSON, so the old word is kept here, at the output. */
const SEVERITY_WORD: Record<Severity, string> = { error: "error", warn: "warning", info: "info" };

export interface FormatOptions {
  /** Show file paths relative to this folder (e.g. process.cwd()). */
  relativeTo?: string;
}

export function formatFinding(f: Finding, opts: FormatOptions = {}): string {
  const file = opts.relativeTo ? relative(opts.relativeTo, f.file) || f.file : f.file;
  return [
    `${file}:${f.line}:${f.col}: ${SEVERITY_WORD[f.severity]} ${f.id}: ${f.message}`,
    `    consequence: ${f.consequence}`,
    `    fix: ${f.fix}`,
  ].join("\n");
}

export function formatFindings(findings: readonly Finding[], opts: FormatOptions = {}): string {
  return findings.map((f) => formatFinding(f, opts)).join("\n");
}

/** e.g. "1 error, 2 warnings, 3 info". */
export function summarizeFindings(findings: readonly Finding[]): string {
  const n = (s: Finding["severity"]) => findings.filter((f) => f.severity === s).length;
  const e = n("error");
  const w = n("warn");
  return `${e} error${e === 1 ? "" : "s"}, ${w} warning${w === 1 ? "" : "s"}, ${n("info")} info`;
}

/** `lab lint --json`: the findings with their severity words as in the text. */
export function findingsJson(findings: readonly Finding[]): string {
  return JSON.stringify(
    findings.map((f) => ({ ...f, severity: SEVERITY_WORD[f.severity] })),
    null,
    2,
  );
}
