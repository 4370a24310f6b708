// A scenario as the engine runs it: the YAML file checked against the lab and turned into
// typed steps with durations in milliseconds.
import type { Impairment } from "../emulate/zerotier/impairment.ts";
import type { NodeJoin } from "../topology/model.ts";

export type Fault =
  | { kind: "link"; action: "down" | "up" | "reset" | "direct-down" | "direct-up"; direction?: string }
  /** Only the path between two routers (both ways); the other routers' paths stay up. */
  | { kind: "link"; action: "down" | "up"; between: [string, string] }
  | { kind: "link"; action: "impair"; direction: string; impairment: Partial<Impairment> }
  /** zerotier-one restarting: zt0 gone in both routers for `forMs`, then recreated. */
  | { kind: "link"; action: "restart"; forMs: number }
  | { kind: "router"; action: "kill" | "stop" | "start"; router: string }
  | { kind: "router"; action: "reconfigure"; router: string; config: string }
  /** bootMs (start): the agent's boot before its speaker starts again, DEFAULT_AGENT_BOOT_MS when
   * absent. The netns runtime waits it; a real agent boots by itself. */
  | { kind: "speaker"; action: "kill" | "stop" | "start"; node: string; bootMs?: number }
  | { kind: "node"; action: "remove"; node: string }
  | {
      kind: "node";
      action: "add";
      node: NodeJoin;
      /** Router config (absolute path) that includes the new node's BGP protocol. */
      routerConfig: string;
    }
  | { kind: "lab"; action: "up" };

export type Expectation =
  | { kind: "session"; on: string; peer: string; state: "established" | "down" }
  | { kind: "route"; on: string; prefix: string; via?: string; table: "fib" | "bird"; present: boolean }
  | { kind: "ping"; from: string; to: string; size?: number; dontFragment?: boolean; ok: boolean }
  | { kind: "tcp"; from: string; to: string; port: number; ok: boolean }
  /** A Kubernetes node's readiness as the control plane sees it (LabHandle.clusterNodes). */
  | { kind: "node"; name: string; ready: boolean };

export type Step =
  | { kind: "fault"; fault: Fault }
  | { kind: "expect"; expect: Expectation; withinMs: number }
  | {
      kind: "traffic";
      name: string;
      from: string;
      to: string;
      rate: number;
      durationMs: number;
      /** ICMP data bytes per packet (fping -b); fping's default 56 when absent. */
      size?: number;
    }
  | { kind: "measure"; pathMtu: { from: string; to: string; max: number } }
  | { kind: "wait"; ms: number };

export type ScenarioStep = Step & { id?: string; note?: string; line: number };

export type BoundKind =
  | "hold-timer"
  | "error-wait"
  | "gobgp-connect"
  | "graceful-restart"
  /** route-del of a node's pod CIDR: its stale route kept at most the restart time, then flushed. */
  | "graceful-restart-expiry"
  | "bfd"
  /** node-notready / pods-evicted: from the topology's grace period and not-ready toleration. */
  | "node-lifecycle"
  /** zt-relayed: ZeroTier's path expiry after the last packet heard on the direct path. */
  | "zerotier-expiry"
  /** rtt-*: the topology's path between the stream's sites (zerotier.paths), direct or + the root. */
  | "zerotier-direct"
  | "zerotier-relayed";

export interface MetricSpec {
  name: string;
  description?: string;
  measure:
    | "session-down"
    | "session-up"
    | "route-del"
    | "route-add"
    | "outage"
    | "loss"
    | "rtt-p50"
    | "rtt-p95"
    | "rtt-max"
    | "step-value"
    | "session-flaps"
    | "up-check"
    | "node-notready"
    | "pods-evicted"
    /** Every direction of the ZeroTier link sends through a root (the emulation's own time). */
    | "zt-relayed";
  check?: "sessions" | "routes" | "ping" | "kubelet";
  on?: string;
  peer?: string;
  prefix?: string;
  /** route-add / route-del: only a route through this next hop (which router carries the traffic). */
  via?: string;
  stream?: string;
  step?: string;
  after?: string;
  /** rtt-*: only packets sent before this step started (with `after`: a window between steps). */
  until?: string;
  /** A literal bound may belong to one runtime (e.g. gobgpd's dial delay is the netns runtime's). */
  bound?: BoundKind | { min?: number; max?: number; why: string; runtime?: "netns" | "clab" };
}

export interface Variant {
  name: string;
  description?: string;
  /** Router name -> absolute path of the bird.conf used instead of the real one. */
  routers: Record<string, string>;
  peerConfig?: { gracefulRestart?: { enabled?: boolean; restartTimeSeconds?: number } };
}

export interface Scenario {
  name: string;
  title: string;
  description?: string;
  file: string;
  quick: boolean;
  prepare: "reconverged" | "fresh" | "down";
  variants: Variant[];
  steps: ScenarioStep[];
  metrics: MetricSpec[];
}
