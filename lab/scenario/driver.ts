// What the scenario engine needs from a runtime, so one scenario file runs unchanged on the
// netns lab and on the clab lab. The engine keeps the order of steps, budgets, reverts and
// metrics; a driver knows how to reach BIRD, enter an element's network namespace, read a
// node's BGP speaker, and inject each fault in its runtime.
//
// Reading is deliberately narrow: BIRD answers commands (its socket, or birdc in a container),
// and host tools (ip, ping, fping) run inside an element's namespace through a prefix
// (`ip netns exec NS`, or nsenter into a container's or pod's namespace). Everything built on
// top (expectations, watchers, timers) is shared.
import type { CheckResult, ClabChoice, RuntimeName, UpResult } from "../runtime/runtime.ts";
import type { Lab } from "../topology/model.ts";
import type { Where } from "../util/exec.ts";
import type { Fault, Scenario, ScenarioStep } from "./model.ts";
import type { LabEvent } from "./types.ts";

export interface FaultOutcome {
  /** One line for the event stream. */
  detail: string;
  revert?: () => Promise<void>;
  /** The lab cannot be put back in place; the next scenario starts fresh. */
  dirty?: boolean;
  /** The lab grew (node added): later steps see the new node. */
  lab?: Lab;
}

/** A node speaker's view of one BGP peer. */
export interface SpeakerNeighbor {
  address: string;
  /** Lowercase FSM state: "established", "active", "idle", ... */
  state: string;
}

export type RecordEvent = (e: LabEvent) => void;

export interface LabDriver {
  readonly runtime: RuntimeName;
  /** How long a lab of this runtime may take to (re)converge, unless the caller says otherwise. */
  readonly convergeBudgetMs: number;
  /** How often its convergence checks may be read while waiting (clab's go through kubectl). */
  readonly convergeIntervalMs: number;
  /** Checks, before any scenario runs, that the machine has what this runtime needs; throws a
   * LabError naming each missing piece with its install command. */
  preflight(lab: Lab): Promise<void>;
  /** Why each step this runtime cannot run is refused; empty when the scenario can run. */
  unsupported(scenario: Scenario): { step: ScenarioStep; why: string }[];

  /** Whether a lab of that name runs now. */
  isUp(lab: Lab): boolean;
  /** Where the running lab's files live (the engine keeps its state file there). */
  stateDir(lab: Lab): string;
  up(lab: Lab, opts: { budgetMs: number; signal?: AbortSignal }): Promise<UpResult>;
  down(lab: Lab): Promise<void>;
  convergence(lab: Lab): Promise<CheckResult[]>;
  /**
   * Puts a lab's router configs and Cilium manifests into the running lab in place. Runtimes
   * without it start a fresh lab when a scenario needs other configs than the running ones.
   */
  reconfigure?(lab: Lab, signal?: AbortSignal): Promise<string>;

  /** Pod CIDRs the lab's cluster allocated differently from the topology: topology -> lab. */
  podCidrMap(lab: Lab): Promise<Map<string, string>>;
  /** BIRD's answer to one command on a router; throws when BIRD does not answer. */
  bird(lab: Lab, router: string, command: string): Promise<string>;
  /** Where host tools run inside the network namespace of a router, node or pod. */
  enter(lab: Lab, element: string): Promise<Where>;
  /** The address probes aim at: a pod's, node's or router's LAN address, or a literal IP. */
  addressOf(lab: Lab, target: string): Promise<string>;
  /** The BGP peers of a node's speaker (gobgpd, or the Cilium agent). */
  speakerNeighbors(lab: Lab, node: string): Promise<SpeakerNeighbor[]>;
  /** The host file a router's BIRD logs to with millisecond timestamps. */
  birdLogFile(lab: Lab, router: string): string;
  /** Follows a node speaker's session changes into the event stream; returns how to stop. */
  watchSpeaker(lab: Lab, node: string, record: RecordEvent): Promise<() => Promise<void>>;
  /** Injects a fault and says how to undo it. */
  fault(lab: Lab, f: Fault): Promise<FaultOutcome>;
}

export function faultTarget(f: Fault): string {
  switch (f.kind) {
    case "link":
      return `zt${"direction" in f && f.direction ? ` ${f.direction}` : ""}`;
    case "router":
      return f.router;
    case "speaker":
      return f.node;
    case "node":
      return f.action === "add" ? f.node.name : f.node;
    case "lab":
      return "lab";
  }
}

/** A driver for that runtime; loaded on demand like the runtimes themselves. */
export async function selectDriver(name: RuntimeName, clab: ClabChoice = {}): Promise<LabDriver> {
  if (name === "netns") {
    const { NetnsDriver } = await import("./drivers/netns.ts");
    return new NetnsDriver();
  }
  const { ClabDriver } = await import("./drivers/clab.ts");
  return new ClabDriver(clab);
}
