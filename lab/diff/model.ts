// What `lab diff` found: the two config trees, their snapshots and differences, the scenario
// figures side by side, the head's guards, the intent check, and the verdict. Every report
// (terminal, Markdown, JSON, JUnit) is derived from this.
import type { GuardResult } from "../guards/model.ts";
import type { ScenarioResult } from "../scenario/types.ts";
import type { Snapshot } from "../snapshot/model.ts";
import type { SnapshotDiff } from "./compare.ts";
import type { IntentCheck } from "./intent.ts";
import type { ConfigTree } from "./materialise.ts";
import type { MetricComparison } from "./metrics.ts";
import type { Settled } from "./settle.ts";

export interface DiffSide extends ConfigTree {
  lab: string;
  settled: Settled | null;
}

export interface ScenarioStatusDiff {
  scenario: string;
  variant: string;
  base: ScenarioResult["status"][];
  head: ScenarioResult["status"][];
}

export interface DiffReport {
  base: DiffSide;
  head: DiffSide;
  runtime: string;
  startedAt: number;
  endedAt: number;
  interrupted: boolean;
  scenarios: string[];
  repeat: number;
  /** --fail-on-change: every difference fails the diff. */
  failOnChange: boolean;
  snapshots: { base: Snapshot | null; head: Snapshot | null };
  changes: SnapshotDiff;
  metrics: MetricComparison[];
  scenarioStatus: ScenarioStatusDiff[];
  /** Scenarios not run on a side, with why (a lab that did not converge, a file missing there). */
  notRun: string[];
  guards: GuardResult[];
  intent: IntentCheck | null;
  /** Every difference by name (what --intent patterns match). */
  differences: string[];
  verdict: { exit: 0 | 1 | 130; failures: string[] };
  /** Set when the run itself failed (a lab that could not start), after both labs were removed. */
  error?: string;
}
