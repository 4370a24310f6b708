// What `doctor` reports: one finding per thing checked, each problem with the exact command that
// fixes it. Only "error" findings stop the netns runtime; "warn" is something to clean up (a lab's
// leftovers) and "info" concerns the optional clab runtime.
import { type Area, hasErrors, type MachineFinding, type Severity } from "../util/finding.ts";

export type { Area };
/** Doctor's findings are the machine's (lab/util/finding.ts), so runtime kinds can report them. */
export type Finding = MachineFinding;

export const AREA_TITLES: Record<Area, string> = {
  system: "system",
  kernel: "kernel features of the netns runtime",
  commands: "commands of the netns runtime",
  clab: "clab runtime (optional: Docker, containerlab, kind/k3d)",
  leftovers: "leftovers of labs",
};

const AREA_ORDER: Area[] = ["system", "kernel", "commands", "clab", "leftovers"];

/** True when nothing stops the netns runtime from running. */
export function netnsRuntimeReady(findings: readonly Finding[]): boolean {
  return !hasErrors(findings);
}

const MARK: Record<Severity, string> = { ok: "ok", info: "info", warn: "warn", error: "FAIL" };

/** The findings as text, grouped by area, each problem followed by its fix. */
export function formatFindings(findings: readonly Finding[]): string {
  const lines: string[] = [];
  for (const area of AREA_ORDER) {
    const group = findings.filter((f) => f.area === area);
    if (group.length === 0) continue;
    if (lines.length) lines.push("");
    lines.push(`${AREA_TITLES[area]}:`);
    for (const f of group) {
      lines.push(`  ${MARK[f.severity].padEnd(4)}  ${f.message}`);
      for (const d of f.details ?? []) lines.push(`        ${d}`);
      if (f.fix) lines.push(`        fix: ${f.fix}`);
    }
  }
  const errors = findings.filter((f) => f.severity === "error").length;
  const warnings = findings.filter((f) => f.severity === "warn").length;
  lines.push("");
  lines.push(
    errors
      ? `the netns runtime cannot run: ${errors} problem${errors === 1 ? "" : "s"} to fix above`
      : `the netns runtime can run${warnings ? ` (${warnings} warning${warnings === 1 ? "" : "s"} above)` : ""}`,
  );
  return lines.join("\n");
}
