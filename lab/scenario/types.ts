// The scenario engine's data: one event stream per scenario run, from which every report
// (terminal, table, JSON, JUnit, Markdown, SVG timeline) is derived. Times are Unix epoch ms.

/** Something that happened during a run, from a daemon log, netlink, a probe or the engine. */
export type LabEvent =
  | {
      t: number;
      kind: "step";
      index: number;
      step: string;
      status: "start" | "pass" | "fail";
      detail?: string;
    }
  | { t: number; kind: "fault"; action: string; target: string; detail?: string }
  | {
      t: number;
      kind: "session";
      /** Router or node name that reports the state. */
      owner: string;
      /** Its peer: BIRD protocol name on routers, peer address on nodes. */
      peer: string;
      state: "up" | "down";
      /** Why, as the daemon said it (e.g. "Hold timer expired"). */
      detail?: string;
      source: "bird-log" | "gobgp" | "poll";
    }
  | {
      t: number;
      kind: "route";
      router: string;
      prefix: string;
      change: "add" | "del";
      via?: string;
      source: "netlink" | "poll";
    }
  | {
      t: number;
      kind: "node";
      node: string;
      /** As the control plane recorded it (its own timestamps): Ready, NotReady, pods evicted. */
      change: "ready" | "notready" | "evicted";
      detail?: string;
      source: "control-plane";
    }
  | {
      t: number;
      kind: "zt-path";
      /** "from->to": the path `from`'s ZeroTier sends to `to` over, as `zerotier-cli peers` shows it. */
      direction: string;
      via: "direct" | "relay";
      /** "relay": the switch at the emulation's own time; "poll": the path seen when watching began. */
      source: "relay" | "poll";
    }
  | { t: number; kind: "note"; message: string };

export type LabEventKind = LabEvent["kind"];

/** One probe stream (like `fping --outage`): packets sent every intervalMs, each answered or lost. */
export interface ProbeStream {
  name: string;
  from: string;
  to: string;
  toAddress: string;
  intervalMs: number;
  /** Send time of seq 0. */
  startedAt: number;
  /** One entry per packet sent: rtt in ms, or null when no reply came. */
  samples: { seq: number; t: number; rttMs: number | null }[];
}

/** A window during which every probe packet was lost. */
export interface Outage {
  stream: string;
  start: number;
  end: number;
  lost: number;
}

export interface MetricBound {
  min?: number;
  max?: number;
  /** How the bound follows from the configured timers, e.g. "hold 240 s, keepalive 80 s, up to 25 % early". */
  why: string;
}

export interface Metric {
  name: string;
  description: string;
  unit: "ms" | "%" | "count" | "bytes";
  /** null when the events needed to compute it did not occur. */
  value: number | null;
  bound?: MetricBound;
  /** null when there is no bound or no value. */
  withinBound: boolean | null;
}

export interface StepResult {
  index: number;
  kind: "fault" | "expect" | "traffic" | "wait" | "measure";
  /** For measure steps: the value found (e.g. the largest packet that crosses). */
  value?: number;
  summary: string;
  status: "pass" | "fail" | "skipped";
  startedAt: number;
  endedAt: number;
  /** For expects: what was expected and what was seen at the end. */
  expected?: string;
  seen?: string;
}

export interface ScenarioResult {
  scenario: string;
  title: string;
  file: string;
  variant: string;
  status: "pass" | "fail" | "error" | "interrupted" | "skipped";
  /** Runtime the scenario ran on (netns or clab). */
  runtime?: string;
  /** The versions of the components that ran it (runtime, bird, gobgp, kernel, ...). */
  versions?: Record<string, string>;
  /** Why a skipped scenario did not run (a step its runtime cannot perform). */
  skipReason?: string;
  /** How the lab was prepared: a fresh lab, or the running lab brought back to converged. */
  preparation: "fresh" | "reconverged" | "reconfigured";
  startedAt: number;
  endedAt: number;
  steps: StepResult[];
  metrics: Metric[];
  events: LabEvent[];
  probes: ProbeStream[];
  outages: Outage[];
  error?: string;
}

export interface RunReport {
  lab: string;
  /** Runtime the scenarios ran on (netns or clab). */
  runtime?: string;
  startedAt: number;
  endedAt: number;
  interrupted: boolean;
  results: ScenarioResult[];
}
