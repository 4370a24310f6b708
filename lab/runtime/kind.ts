// The runtime boundary: what a runtime kind (netns, clab, ...) must offer, and nothing more.
//
// A kind opens a lab into a LabHandle. The handle owns everything derived from the lab's name
// (paths, namespace or container names, caches); no code outside lab/runtime/<kind>/ derives
// them. The handle offers small primitives: bring-up and teardown, reading a router's BIRD,
// entering an element's network namespace, a node speaker's sessions, the pod CIDRs the lab
// really has, fault actions, exec and the ZeroTier link. Everything built on top of them
// (convergence checks, status, scenario expectations, event sources, fault bookkeeping) is
// written once, runtime-neutral, in lab/observe/ and lab/scenario/.
//
// This file imports no implementation: the registry (registry.ts) loads kinds on demand.
import type { Impairment } from "../emulate/zerotier/impairment.ts";
import type { Scenario, ScenarioStep } from "../scenario/model.ts";
import type { LabEvent } from "../scenario/types.ts";
import type { Lab, NodeJoin } from "../topology/model.ts";
import type { Where } from "../util/exec.ts";
import type { MachineFinding } from "../util/finding.ts";
import type { Probe } from "../util/machine.ts";
import type { ProgressSink } from "../util/progress.ts";

export interface UpOptions {
  progress?: ProgressSink;
  /** Convergence budget; each kind has its own default. */
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

/** A route in a kernel FIB, as `ip -j route` shows it. */
export interface FibRoute {
  dst: string;
  gateway?: string;
  dev?: string;
  protocol?: string;
}

/** One convergence check, as every kind reports it. */
export interface CheckResult {
  name: string;
  ok: boolean;
  /** What is wrong, one line per problem. */
  problems: string[];
}

/** A node speaker's view of one BGP peer (gobgpd, or a Cilium agent). */
export interface SpeakerSession {
  address: string;
  /** Lowercase FSM state: "established", "active", "idle", ... */
  state: string;
  localAs: number;
  peerAs: number;
  /** Unix seconds of the last transition to Established, if known. */
  uptimeSince: number | null;
  received: number;
  accepted: number;
  advertised: number;
}

/** One speaker instance of a node (a CiliumBGPClusterConfig bgpInstance). */
export interface SpeakerInstance {
  instance: string;
  localAs: number;
  sessions: SpeakerSession[];
  /** Set when this instance did not answer. */
  error?: string;
}

export type RecordEvent = (e: LabEvent) => void;

/** A direction of the ZeroTier link: "both", or "<site>-><site>". */
export type LinkDirection = string;

/**
 * What a kind does to inject faults. Each action says, in a few words, how it did it (for the
 * event stream); which faults are reverted and how, and which leave the lab dirty, is decided
 * once in lab/scenario/faults.ts.
 */
export interface FaultActions {
  /** Silent blackhole: the ZeroTier interfaces stay up. Returns how. */
  linkDown(direction?: LinkDirection): Promise<string>;
  linkUp(direction?: LinkDirection): Promise<void>;
  /** Adds to what each end already has, as the relay does. Returns how. */
  linkImpair(direction: LinkDirection, impairment: Partial<Impairment>): Promise<string>;
  /** Removes the impairments of that direction (the relay: all). */
  linkClearImpairment(direction: LinkDirection): Promise<void>;
  /** No impairment and no cut anywhere. Returns how. */
  linkReset(): Promise<string>;
  killBird(router: string): Promise<string>;
  stopBird(router: string): Promise<string>;
  startBird(router: string): Promise<void>;
  birdRunning(router: string): Promise<boolean>;
  /** Makes a router's BIRD run that bird.conf (a host path); BIRD's answer. */
  configureBird(router: string, hostFile: string): Promise<string>;
  /** Stops a node's speaker; says what was stopped. `token` is handed back to ensureSpeaker. */
  stopSpeaker(node: string, how: "kill" | "stop"): Promise<{ detail: string; token?: string }>;
  /** Starts a node's speaker unless it runs (or waits for the one that replaces `token`); says
   * what it did. `bootMs`: the agent's boot to emulate first (a real agent boots by itself). */
  startSpeaker(node: string, token?: string, bootMs?: number): Promise<string>;

  /** Optional: the direct path between the peers stops carrying packets (one way or both) while
   * the roots stay reachable; ZeroTier's own rules then decide when traffic goes through a root.
   * A kind without it cannot run the `direct-down` link fault. Returns how. */
  linkDirectDown?(direction?: LinkDirection): Promise<string>;
  linkDirectUp?(direction?: LinkDirection): Promise<void>;
  /** Optional, with linkDirectDown: the delay the root adds to a relayed path, each way (`link zt
   * reset` returns to the first one). Returns how. */
  linkRootDelay?(ms: number): Promise<string>;
  /** Optional: a silent blackhole of the ZeroTier path between two routers only, both ways,
   * while each keeps its paths to every other router. A kind without it cannot run a link fault
   * with `between`. Returns how. */
  linkDownBetween?(routers: readonly [string, string]): Promise<string>;
  linkUpBetween?(routers: readonly [string, string]): Promise<void>;
  /** Optional: zerotier-one stopping: zt0 removed in every router, so BIRD sees the link go.
   * Returns how. A kind without it cannot run the `restart` link fault. */
  ztRemove?(): Promise<string>;
  /** Optional, with ztRemove: zt0 back in every router where it is missing, as zerotier-one
   * recreates it on start (address, MTU); does nothing where it exists. Returns how. */
  ztRecreate?(): Promise<string>;
  /** Optional: a node joins a site at run time; the grown lab. */
  addNode?(node: NodeJoin): Promise<Lab>;
  /** Optional: a node leaves; its daemons and namespaces go. */
  removeNode?(node: string): Promise<void>;
}

/** A direction of the ZeroTier link moved between the direct path and the one through a root. */
export interface ZtPathChange {
  /** Counts up for the life of whatever emulates ZeroTier; lower than before: it was restarted. */
  seq: number;
  /** Unix epoch ms, the emulation's own time of the switch. */
  at: number;
  direction: LinkDirection;
  via: "direct" | "relay";
}

/** Which path each direction uses now, and the latest switches (oldest first). */
export interface ZtPaths {
  now: { direction: LinkDirection; via: "direct" | "relay" }[];
  changes: ZtPathChange[];
  /** What the root adds to a relayed path, each way, now. */
  rootDelayMs: number;
}

/** The ZeroTier link's state, for people and machines. */
export interface LinkState {
  data: unknown;
  text: string;
}

/** Part of a status that only a kind knows: its JSON fields and its lines. */
export interface StatusSection {
  data: Record<string, unknown>;
  lines: string[];
}

/** What only a kind knows about a running lab, before and after the shared status tables. */
export interface StatusExtras {
  before: StatusSection;
  after: StatusSection;
}

export interface ExecIo {
  signal: AbortSignal;
  out: (text: string) => void;
  err: (text: string) => void;
}

/** Component -> version, e.g. { runtime: "netns", bird: "2.0.12", gobgp: "3.36.0", kernel: "6.1.0" };
 * clab adds kubernetes, cilium and containerlab. Keys absent where a runtime has no such part. */
export type ComponentVersions = Record<string, string>;

/** A Kubernetes node as the control plane sees it (`kubectl get nodes`, its taints and evictions). */
export interface ClusterNode {
  name: string;
  role: string;
  ready: boolean;
  /** ms since the epoch: registration (AGE) and the last Ready/NotReady transition. */
  registeredAt: number;
  transitionAt: number;
  /** When its pods are evicted (NotReady + the not-ready toleration); null while Ready. */
  evictionDueAt: number | null;
  evicted: { pod: string; at: number }[];
  pods: string[];
}

export interface LabHandle {
  readonly kind: RuntimeKind;
  readonly lab: Lab;
  /** Where this lab's files live (scenario state, reports of the lab). */
  readonly dir: string;
  /** How long this lab may take to (re)converge, unless the caller says otherwise. */
  readonly convergeBudgetMs: number;
  /** How often its convergence checks may be read while waiting. */
  readonly convergeIntervalMs: number;
  /** What the node speakers are called in messages ("gobgpd", "Cilium agent"). */
  readonly speakerName: string;
  /** The versions that produce this lab's figures, for reports (see ComponentVersions). */
  versions?(): Promise<ComponentVersions>;

  /** The same lab with other configs (a variant, a node that joined); caches are kept. */
  withLab(lab: Lab): LabHandle;
  /** Whether this lab runs now. */
  isUp(): boolean;
  /** Throws a LabError naming each missing prerequisite with its install command. */
  preflight(purpose: "up" | "scenarios"): Promise<void>;
  /** Brings the lab up and waits until it has converged; idempotent on a converged lab. */
  up(opts?: UpOptions): Promise<UpResult>;
  /** Removes everything `up` created, also after a crashed `up`; idempotent. */
  down(opts?: DownOptions): Promise<DownResult>;
  /** Why each scenario step this kind cannot run is refused; empty when it can run. */
  unsupported(scenario: Scenario): { step: ScenarioStep; why: string }[];
  /** Puts the lab's router configs and Cilium manifests into the running lab in place. Kinds
   * without it get a fresh lab when a scenario needs other configs. */
  reconfigure?(signal?: AbortSignal): Promise<string>;

  /** BIRD's answer to one command on a router; throws when BIRD does not answer. */
  bird(router: string, command: string): Promise<string>;
  /** A router's kernel FIB (IPv4). */
  fib(router: string): Promise<FibRoute[]>;
  /** Where host tools (ip, ping, fping) run inside a router's, node's or pod's namespace. */
  enter(element: string): Promise<Where>;
  /** The address probes aim at: a pod's, node's or router's LAN address, or a literal IP. */
  addressOf(target: string): Promise<string>;
  /** The speaker instances of a node and their sessions; throws when the speaker does not answer. */
  speakers(node: string): Promise<SpeakerInstance[]>;
  /** The pod CIDRs each node really has (topology node name -> CIDRs). */
  podCidrs(): Promise<Map<string, string[]>>;
  /** Whether the control plane reaches this node's kubelet; true, or what went wrong. */
  kubeletReachable(node: string): Promise<true | string>;
  /** Optional: the nodes as the control plane sees them; throws when it does not answer. A kind
   * without it refuses node expectations and metrics. */
  clusterNodes?(): Promise<ClusterNode[]>;
  /** The host file a router's BIRD logs to with millisecond timestamps. */
  birdLogFile(router: string): string;
  /** Follows a node speaker's session changes into the event stream; returns how to stop. */
  watchSpeaker(node: string, record: RecordEvent): Promise<() => Promise<void>>;
  readonly faults: FaultActions;

  /** The ZeroTier link's state (impairments, cuts, counters). */
  linkState(): Promise<LinkState>;
  /** Optional: the ZeroTier peers' paths (direct or relayed) and their switches; throws when the
   * emulation does not answer. A kind without separate direct and relayed paths leaves it out. */
  ztPaths?(): Promise<ZtPaths>;
  /** Runs a command inside an element (`lab exec`); its exit code. */
  exec(element: string, argv: string[], io: ExecIo): Promise<number>;
  /** The elements `exec` reaches besides routers, nodes and pods (e.g. the internet namespace). */
  extraExecTargets(): string[];
  statusExtras(): Promise<StatusExtras>;
  /** Memory of every process of the lab, in MiB, where the kind can tell (`make bench`). */
  memoryMiB?(): Promise<number>;
  /** The same as proportional set size: pages shared between the lab's processes (the same
   * gobgpd, gobgp or node binary many times) counted once in total, not once per process. */
  memoryPssMiB?(): Promise<number>;
}

/** Options a kind takes from the command line (`--k8s`, `--pod-image`); validated by the kind. */
export type KindOptions = Record<string, string>;

export interface RuntimeKind {
  readonly name: string;
  /** One line for `--help` and errors. */
  readonly summary: string;
  /** The command-line options this kind takes besides the common ones, with one line each. */
  readonly options: Readonly<Record<string, string>>;
  /** Throws a usage error for an option value it cannot take. */
  checkOptions(options: KindOptions): void;
  open(lab: Lab, options?: KindOptions): LabHandle;
  /** Whether a lab of that name of this kind runs now (without loading its configs). */
  labUp(labName: string): boolean;
  /** How messages name a lab of this kind: `${labTitle} xsite is not running` ("lab", "clab lab"). */
  readonly labTitle: string;
  /** The command that starts a lab of this kind, for hints. */
  readonly startHint: string;
  /** Host commands a lab of this kind runs, with the Debian package of each (doctor checks them). */
  readonly requiredCommands: readonly { cmd: string; pkg: string }[];
  /** Doctor's findings about labs of this kind left on this machine, each with how to remove it. */
  leftoverFindings(probe: Probe, labsRoot: string): Promise<MachineFinding[]>;
  /** Optional: removes every lab of this kind on this machine, also without their configs
   * (`down --all`); what it removed, for people and machines. */
  downAll?(opts: { progress?: ProgressSink }): Promise<{ data: unknown; text: (ms: number) => string }>;
}
