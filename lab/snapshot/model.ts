// The routing state of a running lab as data (`lab snapshot`). Everything here is what the lab
// does, not when: no uptimes, timestamps, timers left or lab names, and every list in a fixed
// order (normalise.ts), so two labs from the same configs give deep-equal snapshots and a diff of
// two snapshots is a diff of behaviour. JSON Schema: configs/schema/snapshot.schema.json.

/** Bumped when a field changes meaning; a diff refuses snapshots of different versions. */
export const SNAPSHOT_VERSION = 1;

/** One BGP session of a router, from `show protocols all` and `show bfd sessions`. */
export interface RouterSession {
  /** BIRD's protocol name. */
  protocol: string;
  peer: string | null;
  peerAs: number | null;
  localAs: number | null;
  /** BIRD's BGP state: Established, Active, Idle, Connect, ... (or the protocol state). */
  state: string;
  /** Negotiated hold time and keepalive in seconds; null while not Established. */
  holdTime: number | null;
  keepalive: number | null;
  /** Both ends announced the Graceful restart capability. */
  gracefulRestart: boolean;
  /** The BFD session to the peer ("Up", "Down", ...), null when BFD has none. */
  bfd: string | null;
  importFilter: string | null;
  exportFilter: string | null;
}

/** One route of a BIRD table (`show route all`). */
export interface TableRoute {
  table: string;
  prefix: string;
  protocol: string;
  /** BIRD's best route for its network (marked `*`). */
  best: boolean;
  kind: string;
  nextHop: string | null;
  iface: string | null;
  asPath: number[] | null;
  origin: string | null;
  med: number | null;
  localPref: number | null;
  communities: string[];
  largeCommunities: string[];
}

/** A route a session exports (its Adj-RIB-Out as BIRD's export filter leaves it). */
export interface ExportedRoute {
  prefix: string;
  nextHop: string | null;
  asPath: number[] | null;
}

export interface FibEntry {
  dst: string;
  gateway: string | null;
  dev: string | null;
  protocol: string | null;
}

export interface RouterState {
  router: string;
  /** Set when the router's BIRD did not answer; the other fields are then empty. */
  error?: string;
  sessions: RouterSession[];
  routes: TableRoute[];
  /** BGP protocol name -> what it exports. */
  exports: Record<string, ExportedRoute[]>;
  fib: FibEntry[];
}

/** A node speaker's session to a peer (gobgpd or the Cilium agent). */
export interface SpeakerSessionState {
  peer: string;
  instance: string;
  peerAs: number;
  localAs: number;
  state: string;
  received: number;
  accepted: number;
  advertised: number;
}

export interface NodeState {
  node: string;
  error?: string;
  /** The pod CIDRs the lab really gave the node (the cluster's allocation). */
  podCidrs: string[];
  sessions: SpeakerSessionState[];
  /** Prefixes its site router accepted from it (the speaker's advertisements as they arrive). */
  advertises: string[];
  /** Prefixes its site router exports to it (what the speaker receives). */
  receives: string[];
}

export interface ReachabilityPair {
  /** Pod names: the first pod of one node to the first pod of another. */
  from: string;
  to: string;
  fromNode: string;
  toNode: string;
  icmp: boolean;
  /** A TCP connect was answered (accepted or refused: either way a segment came back). */
  tcp: boolean;
}

export interface Snapshot {
  version: number;
  routers: RouterState[];
  nodes: NodeState[];
  reachability: ReachabilityPair[];
}
