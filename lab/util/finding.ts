// What a check reports, whether it checks the machine (`lab doctor`) or the design (`lab lint`):
// a stable id, how much it matters, what it found and how to fix it. Each adds where its findings
// are: doctor an area of the machine, lint a place in a config file and the run-time consequence.

/** "ok" is a check that passed: doctor lists those, lint reports problems only. */
export type Severity = "ok" | "info" | "warn" | "error";

export interface Finding {
  /** Stable identifier: tests, docs and suppressions refer to it. */
  id: string;
  severity: Severity;
  /** What was found. */
  message: string;
  /** What to do about it. */
  fix?: string;
}

/** True when any finding is an error: the doctor's runtime cannot run, lint fails. */
export function hasErrors(list: readonly Pick<Finding, "severity">[]): boolean {
  return list.some((f) => f.severity === "error");
}

/** Where on the machine a doctor finding is: runtime kinds report leftovers with these too. */
export type Area = "system" | "kernel" | "commands" | "clab" | "leftovers";

/** A finding about the machine (`lab doctor`). Ids look like "command.bird", "leftover.lab.xsite". */
export interface MachineFinding extends Finding {
  area: Area;
  /** The exact command (or commands, joined with &&) that fixes the problem. */
  fix?: string;
  /** Extra lines: what was found (namespaces, processes, versions). */
  details?: string[];
}
