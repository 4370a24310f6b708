// Text output of the findings: one block per finding, compiler style, so editors can jump to it.
// JSON output is the array itself (JSON.stringify(findings)).
import { relative } from "node:path";
import type { Finding } from "./finding.ts";

export interface FormatOptions {
  /** Show file paths relative to this folder (e.g. process.cwd()). */
  relativeTo?: string;
}

export function formatFinding(f: Finding, opts: FormatOptions = {}): string {
  const file = opts.relativeTo ? relative(opts.relativeTo, f.file) || f.file : f.file;
  return [
    `${file}:${f.line}:${f.col}: ${f.severity} ${f.id}: ${f.message}`,
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
  const w = n("warning");
  return `${e} error${e === 1 ? "" : "s"}, ${w} warning${w === 1 ? "" : "s"}, ${n("info")} info`;
}
