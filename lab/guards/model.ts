// Guards: what must hold in a lab's routing state whatever a change does. Built-in ones follow
// from the design (builtin.ts); the operator adds their own in configs/guards.yaml (load.ts,
// JSON Schema configs/schema/guards.schema.json).
import type { SourceRef } from "../config/source.ts";

export interface GuardResult {
  /** "builtin: every session Established", "guards.yaml:12: route 10.42.3.0/24 at router-mine". */
  name: string;
  /** null: could not be checked here (a metric guard without its scenario run). */
  ok: boolean | null;
  /** What is wrong, one line each; for ok === null, why it was not checked. */
  problems: string[];
  /** Where an operator's guard is written. */
  source?: SourceRef;
}

export interface RouteGuard {
  kind: "route";
  router: string;
  prefix: string;
  /** The best route's next hop; absent: any. */
  via?: string;
  source: SourceRef;
}

export interface NeverGuard {
  kind: "never";
  prefix: string;
  /** Routers (BIRD tables) and nodes (what they receive); absent: everywhere. */
  on?: string[];
  source: SourceRef;
}

export interface SessionGuard {
  kind: "session";
  on: string;
  /** A router's BIRD protocol name or peer address, a node's peer address. */
  peer: string;
  state: "established" | "any";
  source: SourceRef;
}

export interface MetricGuard {
  kind: "metric";
  scenario: string;
  metric: string;
  min?: number;
  max?: number;
  source: SourceRef;
}

export type OperatorGuard = RouteGuard | NeverGuard | SessionGuard | MetricGuard;
