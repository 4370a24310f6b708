// The small interface both runtimes implement, and the registry the CLI selects them from.
//
//   netns  Linux network namespaces, real BIRD, GoBGP standing in for Cilium (the default)
//   clab   containerlab + kind or k3d + real Cilium, containers driven through dockerode
//
// Following containerlab's lesson (its 47-method Node interface), the core is two methods;
// anything only some runtimes can do is a separate capability interface with a type guard.
// Both runtimes report convergence as the same ordered checks (sessions, FIB routes, pod ping,
// remote kubelets), so the CLI, reports and scenarios can treat them alike.
import type { Lab } from "../topology/model.ts";
import type { ProgressSink } from "../util/progress.ts";

export const RUNTIME_NAMES = ["netns", "clab"] as const;
export type RuntimeName = (typeof RUNTIME_NAMES)[number];

export const K8S_DISTRIBUTIONS = ["kind", "k3d"] as const;
export type K8sDistributionName = (typeof K8S_DISTRIBUTIONS)[number];

export interface UpOptions {
  progress?: ProgressSink;
  /** Convergence budget; each runtime has its own default. */
  budgetMs?: number;
  signal?: AbortSignal;
  /** Leave a lab that failed to converge in place for inspection. */
  keepOnFailure?: boolean;
}

export interface UpTimings {
  /** Links, containers or namespaces exist. */
  infraReadyMs: number;
  /** The daemons (BIRD, BGP speakers / Cilium, kubelets / test pods) run. */
  daemonsReadyMs: number;
  convergedMs: number;
  /** When each convergence check first passed, from the start of `up`. */
  checks: Record<string, number>;
}

export interface UpResult {
  alreadyUp: boolean;
  timings?: UpTimings;
  /** Things the lab noticed that make it less faithful than the real sites (fidelity notes). */
  warnings?: string[];
}

export interface DownOptions {
  progress?: ProgressSink;
  signal?: AbortSignal;
}

export interface DownResult {
  /** What was removed, by kind (netns: processes, namespaces; clab: containers, clusters). */
  removed: Record<string, number>;
  /** false when nothing of the lab existed. */
  found: boolean;
  /** One line for people, e.g. "3 processes stopped, 6 namespaces deleted". */
  summary: string;
}

export interface Runtime {
  readonly name: RuntimeName;
  /** Brings the lab up and waits until it has converged; idempotent on a converged lab. */
  up(lab: Lab, opts?: UpOptions): Promise<UpResult>;
  /** Removes everything `up` created, also after a crashed `up`; idempotent. */
  down(lab: Lab, opts?: DownOptions): Promise<DownResult>;
}

/** One convergence check, as both runtimes report it. */
export interface CheckResult {
  name: string;
  ok: boolean;
  /** What is wrong, one line per problem. */
  problems: string[];
}

/** Capability: every convergence check, each run regardless of the others, without waiting. */
export interface ConvergenceReader {
  convergence(lab: Lab): Promise<CheckResult[]>;
}

/** Capability: the state of a running lab, for people (text) and machines (data). */
export interface StatusReporter {
  status(lab: Lab): Promise<{ data: unknown; text: string }>;
}

export function canReadConvergence(r: Runtime): r is Runtime & ConvergenceReader {
  return typeof (r as Partial<ConvergenceReader>).convergence === "function";
}

export function canReportStatus(r: Runtime): r is Runtime & StatusReporter {
  return typeof (r as Partial<StatusReporter>).status === "function";
}

export interface ClabChoice {
  /** Kubernetes distribution of the clab runtime (default kind). */
  k8s?: K8sDistributionName;
  /** Image of the clab runtime's test pods. */
  podImage?: string;
}

/**
 * The runtime of that name. Modules are loaded on demand: the netns runtime never loads the
 * Docker client, and the clab runtime never touches network namespaces. Names come validated
 * (isRuntimeName, isK8sDistribution): turning a bad argument into a usage error is the CLI's job.
 */
export async function selectRuntime(name: RuntimeName, clab: ClabChoice = {}): Promise<Runtime> {
  if (name === "netns") {
    const { NetnsRuntime } = await import("./netns/runtime.ts");
    return new NetnsRuntime();
  }
  const { ClabRuntime } = await import("./clab/runtime.ts");
  return new ClabRuntime(clab);
}

export function isRuntimeName(s: string): s is RuntimeName {
  return (RUNTIME_NAMES as readonly string[]).includes(s);
}

export function isK8sDistribution(s: string): s is K8sDistributionName {
  return (K8S_DISTRIBUTIONS as readonly string[]).includes(s);
}
