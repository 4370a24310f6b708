// The userspace "internet" between the sites: receives the routers' VXLAN-in-UDP datagrams on
// one socket and forwards each to the other endpoint(s), impaired per direction. Direction is
// told by source IP only, because the kernel VXLAN picks its source port per flow. Each frame
// crosses as the fragments ZeroTier would send (fragments.ts), each lost and delayed on its own;
// the frame reaches the other side when its last fragment does, if it is reassembled at all.
import dgram from "node:dgram";
import { isIP } from "node:net";
import { performance } from "node:perf_hooks";
import { LabError } from "../../util/errors.ts";
import { DepartureQueue } from "./departure-queue.ts";
import {
  fragmentSizes,
  Reassembler,
  ZT_DEFAULT_PHYSMTU,
  ZT_MAX_PHYSMTU,
  ZT_MIN_PHYSMTU,
} from "./fragments.ts";
import {
  applyImpairment,
  describeImpairment,
  type Impairment,
  InvalidImpairmentError,
  NO_IMPAIRMENT,
  validateImpairment,
} from "./impairment.ts";
import { type PathKind, PeerPaths, type PeerPathTimers } from "./peer-paths.ts";
import { deriveSeed, mulberry32 } from "./prng.ts";
import { type RootSocket, type RootStatus, rootDatagram, ZerotierRoot } from "./root.ts";
import { type DirectionCounters, DirectionShaper } from "./shaper.ts";
import type { DirectionBaseline } from "./wan-path.ts";

export const ZEROTIER_PORT = 9993;
/** An assumption, not a measurement: a root in another city adds about 20 ms each way. */
export const ROOT_DELAY_MS = 20;
export const ALL_DIRECTIONS = "both";

export interface RelayEndpoint {
  name: string;
  address: string;
}

export interface RelayOptions {
  bindAddress: string;
  /** Port to listen on; 0 picks a free one (tests). Default 9993. */
  port?: number;
  /** Port the endpoints receive on; defaults to `port` (the VXLAN dstport on both sides). */
  peerPort?: number;
  /** Two or more; a datagram from one goes to all the others. */
  endpoints: RelayEndpoint[];
  /** Seed for loss/jitter dice; random when absent, and reported by show() for replay. */
  seed?: number;
  /** Bottleneck buffer (ms of transmission) when a rate is set. */
  queueLimitMs?: number;
  /** Most fragments held per direction waiting for their departure. */
  maxQueued?: number;
  /** ZeroTier's physical MTU (largest UDP payload); default ZT_DEFAULT_PHYSMTU. */
  physMtu?: number;
  /** The path each direction starts with and reset() returns to (the topology's WAN path);
   * a direction not named has none. */
  baseline?: DirectionBaseline[];
  /** Added one-way delay of the path relayed through a root; default ROOT_DELAY_MS. */
  rootDelayMs?: number;
  /** The root's socket: inherited from the root's own namespace, or by default bound beside the
   * relay (its address, any port). */
  rootSocket?: RootSocket;
  /** ZeroTier's path timers (tests shorten them); default ZeroTierOne's. */
  pathTimers?: PeerPathTimers;
  log?: (line: string) => void;
}

/** Whole frames (one VXLAN datagram each) in one direction. */
export interface FrameCounters {
  received: number;
  /** Handed to the other side, duplicates included. */
  delivered: number;
  /** Lost in reassembly: overwritten in ZeroTier's receive ring before its last fragment came. */
  evicted: number;
  /** Frames that needed more than one fragment. */
  fragmented: number;
  /** Sent into a direct path that carries nothing (the sender has not given it up yet). */
  deadPath: number;
  /** Sent through the root (handed to it once whole; it adds its delay and sends them on). */
  relayed: number;
}

export interface DirectionStatus {
  direction: string;
  from: RelayEndpoint;
  to: RelayEndpoint;
  impairment: Impairment;
  /** What reset() returns to: the topology's path. */
  baseline: Impairment;
  /** Per ZeroTier fragment (UDP datagram as ZeroTier would send it); bytes are its UDP payload. */
  counters: DirectionCounters;
  frames: FrameCounters;
  /** The path the sender uses now, as `zerotier-cli peers` shows it. */
  path: { via: PathKind; lastReceiveAgoMs: number | null; directWorks: boolean };
  /** Fragments waiting for their departure time now. */
  queued: number;
  sendErrors: number;
}

/** A direction moved from one path to the other, at the relay's own time of the switch. */
export interface PathChange {
  /** Counts up from 1 for the relay's life, so a reader can ask only for what is new. */
  seq: number;
  /** Unix epoch ms (the relay's clock). */
  at: number;
  direction: string;
  via: PathKind;
}

/** Enough for every switch a scenario makes between two reads of a few seconds. */
const PATH_CHANGES_KEPT = 256;

export interface RelayStatus {
  listening: { address: string; port: number } | null;
  peerPort: number;
  seed: number;
  physMtu: number;
  rootDelayMs: number;
  /** Where the root relays from, and what it did. */
  root: RootStatus;
  endpoints: RelayEndpoint[];
  directions: DirectionStatus[];
  /** The latest path switches, oldest first (at most PATH_CHANGES_KEPT). */
  pathChanges: PathChange[];
  unknownSources: { count: number; last: string | null };
}

/** One fragment on its way: the frame it belongs to travels with it and is sent once whole. */
interface Fragment {
  frame: Buffer;
  id: number;
  index: number;
  total: number;
  /** Goes through the root once whole. */
  relayed: boolean;
}

interface Direction {
  name: string;
  from: RelayEndpoint;
  to: RelayEndpoint;
  /** `to`'s place among the endpoints: how the root is told where a relayed frame goes. */
  toIndex: number;
  shaper: DirectionShaper;
  queue: DepartureQueue<Fragment>;
  frames: FrameCounters;
  baseline: Impairment;
  /** The direct-down fault (the root still works), apart from a partition of everything. */
  directDown: boolean;
  sendErrors: number;
  /** Connected to the receiver: no address lookup, route lookup or completion callback per frame,
   * about a quarter of the relay's CPU per frame (`make bench`). */
  out?: dgram.Socket;
}

function emptyFrameCounters(): FrameCounters {
  return { received: 0, delivered: 0, evicted: 0, fragmented: 0, deadPath: 0, relayed: 0 };
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export class ZerotierRelay {
  readonly #bindAddress: string;
  readonly #port: number;
  readonly #peerPort: number;
  readonly #seed: number;
  readonly #physMtu: number;
  readonly #endpoints: RelayEndpoint[];
  /** Receiver address -> its reassembly ring (shared by all senders, as in ZeroTier). */
  readonly #reassembly = new Map<string, Reassembler<{ dir: Direction; frame: Buffer }>>();
  #nextFrameId = 0;
  readonly #paths: PeerPaths;
  readonly #pathChanges: PathChange[] = [];
  #pathSeq = 0;
  readonly #root: ZerotierRoot;
  /** Connected to the root: relayed frames leave on it. */
  #toRoot: dgram.Socket | undefined;
  /** What reset() returns the root's delay to. */
  readonly #baselineRootDelayMs: number;
  readonly #now = () => performance.now();
  readonly #directions: Direction[] = [];
  /** Source IP -> the directions its datagrams go out on. */
  readonly #outgoing = new Map<string, Direction[]>();
  readonly #log: (line: string) => void;
  #socket: dgram.Socket | undefined;
  #unknown = { count: 0, last: null as string | null };

  constructor(opts: RelayOptions) {
    checkOptions(opts);
    this.#bindAddress = opts.bindAddress;
    this.#port = opts.port ?? ZEROTIER_PORT;
    this.#peerPort = opts.peerPort ?? this.#port;
    this.#seed = (opts.seed ?? Math.floor(Math.random() * 2 ** 32)) >>> 0;
    this.#physMtu = opts.physMtu ?? ZT_DEFAULT_PHYSMTU;
    this.#endpoints = opts.endpoints.map((e) => ({ ...e }));
    this.#log = opts.log ?? (() => {});
    const now = this.#now;
    this.#paths = new PeerPaths(
      this.#endpoints.map((e) => e.name),
      now(),
      opts.pathTimers,
      (direction, via, t) => this.#recordSwitch(direction, via, t),
    );
    this.#baselineRootDelayMs = opts.rootDelayMs ?? ROOT_DELAY_MS;
    this.#root = new ZerotierRoot({
      socket: opts.rootSocket ?? { address: this.#bindAddress, port: 0 },
      endpoints: this.#endpoints,
      peerPort: this.#peerPort,
      delayMs: this.#baselineRootDelayMs,
      relayAddress: this.#bindAddress,
      now,
      log: this.#log,
    });
    for (const to of this.#endpoints)
      this.#reassembly.set(
        to.address,
        new Reassembler(({ dir }) => {
          dir.frames.evicted++;
        }),
      );
    for (const from of this.#endpoints) {
      const outgoing: Direction[] = [];
      for (const to of this.#endpoints) {
        if (to === from) continue;
        const queue = new DepartureQueue<Fragment>((f) => this.#arrive(dir, f), now);
        const shaper = new DirectionShaper({
          random: mulberry32(deriveSeed(this.#seed, this.#directions.length)),
          now,
          queueLimitMs: opts.queueLimitMs,
          queued: () => queue.size,
          maxQueued: opts.maxQueued,
        });
        const dir: Direction = {
          name: `${from.name}->${to.name}`,
          from,
          to,
          toIndex: this.#endpoints.indexOf(to),
          shaper,
          queue,
          frames: emptyFrameCounters(),
          baseline: { ...NO_IMPAIRMENT },
          directDown: false,
          sendErrors: 0,
        };
        this.#directions.push(dir);
        outgoing.push(dir);
      }
      this.#outgoing.set(from.address, outgoing);
    }
    for (const b of opts.baseline ?? []) {
      const dir = this.#directions.find((d) => d.name === b.direction) as Direction;
      dir.baseline = applyImpairment(NO_IMPAIRMENT, b.impairment);
      dir.shaper.set(dir.baseline);
      dir.directDown = false;
      this.#syncPath(dir);
    }
  }

  /** Endpoint names, for parsing direction words ("home->mine"). */
  get endpointNames(): string[] {
    return this.#endpoints.map((e) => e.name);
  }

  get directionNames(): string[] {
    return this.#directions.map((d) => d.name);
  }

  /** Binds the socket; rejects with a LabError saying why when it cannot. */
  async start(): Promise<void> {
    if (this.#socket) throw new Error("relay already started");
    const socket = dgram.createSocket({ type: isIP(this.#bindAddress) === 6 ? "udp6" : "udp4" });
    this.#socket = socket;
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once("error", reject);
        socket.bind({ address: this.#bindAddress, port: this.#port, exclusive: true }, () => {
          socket.off("error", reject);
          resolve();
        });
      });
    } catch (err) {
      this.#socket = undefined;
      socket.close();
      throw bindError(this.#bindAddress, this.#port, err);
    }
    // Line-rate bursts overflow the default buffers long before the relay is busy.
    try {
      socket.setRecvBufferSize(4 * 1024 * 1024);
      socket.setSendBufferSize(4 * 1024 * 1024);
    } catch {
      // The kernel caps these; a smaller buffer only means earlier drops under load.
    }
    socket.on("error", (err) => this.#log(`socket error: ${err.message}`));
    try {
      for (const dir of this.#directions) dir.out = await this.#connect(dir.to.address, this.#peerPort, dir);
    } catch (err) {
      await this.stop();
      throw bindError(this.#bindAddress, 0, err);
    }
    try {
      await this.#root.start();
      const at = this.#root.address as { address: string; port: number };
      this.#toRoot = await this.#connect(at.address, at.port, null);
    } catch (err) {
      await this.stop();
      throw err instanceof LabError ? err : bindError(this.#bindAddress, 0, err);
    }
    socket.on("message", (msg, rinfo) => this.#onMessage(msg, rinfo.address, rinfo.port));
    const { address, port } = socket.address();
    this.#log(`listening on ${address}:${port}, forwarding to port ${this.#peerPort}, seed ${this.#seed}`);
  }

  /** A socket of the relay's address sending to one receiver only; a failed send is counted on
   * the direction, or logged for the root's (without a send callback Node reports it as the
   * socket's error). */
  async #connect(address: string, port: number, dir: Direction | null): Promise<dgram.Socket> {
    const out = dgram.createSocket({ type: isIP(this.#bindAddress) === 6 ? "udp6" : "udp4" });
    out.on("error", (err) =>
      dir ? this.#sendFailed(dir, err) : this.#log(`send to the root: ${err.message}`),
    );
    await new Promise<void>((resolve, reject) => {
      out.once("error", reject);
      out.bind({ address: this.#bindAddress, port: 0 }, () =>
        out.connect(port, address, () => {
          out.off("error", reject);
          resolve();
        }),
      );
    }).catch((err) => {
      out.close();
      throw err;
    });
    try {
      out.setSendBufferSize(4 * 1024 * 1024);
    } catch {
      // As for the receiving socket: the kernel caps it.
    }
    return out;
  }

  /** Drops every waiting packet, clears the timers and closes the sockets. Safe to call twice. */
  async stop(): Promise<void> {
    for (const dir of this.#directions) {
      dir.queue.clear();
      const out = dir.out;
      dir.out = undefined;
      if (out) await new Promise<void>((resolve) => out.close(() => resolve()));
    }
    const toRoot = this.#toRoot;
    this.#toRoot = undefined;
    if (toRoot) await new Promise<void>((resolve) => toRoot.close(() => resolve()));
    await this.#root.stop();
    for (const r of this.#reassembly.values()) r.clear();
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  /** Applies a partial impairment to one direction ("home->mine") or to all ("both"). */
  set(direction: string, patch: Partial<Impairment>): DirectionStatus[] {
    const dirs = this.#select(direction);
    // Validate before touching any direction, so an error leaves nothing half-applied.
    const errors = validateImpairment(patch);
    if (errors.length > 0) throw new InvalidImpairmentError(errors);
    for (const dir of dirs) {
      dir.shaper.set(patch);
      this.#syncPath(dir);
      this.#log(`${dir.name}: ${describeImpairment(dir.shaper.impairment)}`);
    }
    return dirs.map((d) => this.#status(d));
  }

  down(direction: string = ALL_DIRECTIONS): DirectionStatus[] {
    return this.set(direction, { down: true });
  }

  up(direction: string = ALL_DIRECTIONS): DirectionStatus[] {
    return this.set(direction, { down: false });
  }

  /** The direct path stops carrying packets one way or both (the root still works). */
  directDown(direction: string = ALL_DIRECTIONS): DirectionStatus[] {
    return this.#setDirect(direction, false);
  }

  directUp(direction: string = ALL_DIRECTIONS): DirectionStatus[] {
    return this.#setDirect(direction, true);
  }

  /** The added one-way delay through the root. */
  setRootDelay(ms: number): void {
    if (!(Number.isFinite(ms) && ms >= 0 && ms <= 60_000))
      throw new LabError(`root delay ${ms} ms: expected 0 to 60000`);
    this.#root.delayMs = ms;
    this.#log(`root delay ${ms} ms`);
  }

  #setDirect(direction: string, works: boolean): DirectionStatus[] {
    const dirs = this.#select(direction);
    for (const dir of dirs) {
      dir.directDown = !works;
      this.#syncPath(dir);
      this.#log(`${dir.name}: direct path ${works ? "works" : "carries nothing"}`);
    }
    return dirs.map((d) => this.#status(d));
  }

  /** Back to the baseline path (the topology's; none without one) and the root's first delay;
   * counters too when asked. */
  reset(opts: { counters?: boolean } = {}): void {
    for (const dir of this.#directions) {
      dir.shaper.set(dir.baseline);
      dir.directDown = false;
      this.#syncPath(dir);
      if (opts.counters) {
        dir.shaper.resetCounters();
        dir.frames = emptyFrameCounters();
        dir.sendErrors = 0;
      }
    }
    this.#root.delayMs = this.#baselineRootDelayMs;
    if (opts.counters) {
      this.#unknown = { count: 0, last: null };
      this.#root.resetCounters();
    }
    this.#log(`reset${opts.counters ? " (counters too)" : ""}`);
  }

  show(): RelayStatus {
    // Switches due by now are logged before they are read, also when no frame came to find them.
    this.#paths.advance(this.#now());
    let listening: RelayStatus["listening"] = null;
    if (this.#socket) {
      const { address, port } = this.#socket.address();
      listening = { address, port };
    }
    return {
      listening,
      peerPort: this.#peerPort,
      seed: this.#seed,
      physMtu: this.#physMtu,
      rootDelayMs: this.#root.delayMs,
      root: this.#root.status(),
      endpoints: this.#endpoints.map((e) => ({ ...e })),
      directions: this.#directions.map((d) => this.#status(d)),
      pathChanges: this.#pathChanges.map((c) => ({ ...c })),
      unknownSources: { ...this.#unknown },
    };
  }

  #recordSwitch(direction: string, via: PathKind, t: number): void {
    // performance.now() counts from timeOrigin: the switch's own time on the epoch clock.
    const at = Math.round(performance.timeOrigin + t);
    this.#pathChanges.push({ seq: ++this.#pathSeq, at, direction, via });
    if (this.#pathChanges.length > PATH_CHANGES_KEPT) this.#pathChanges.shift();
    this.#log(
      `${direction}: ${via === "relay" ? "relayed through the root" : "direct path"} since ${new Date(at).toISOString()}`,
    );
  }

  #status(dir: Direction): DirectionStatus {
    return {
      direction: dir.name,
      from: { ...dir.from },
      to: { ...dir.to },
      impairment: dir.shaper.impairment,
      baseline: { ...dir.baseline, burst: dir.baseline.burst ? { ...dir.baseline.burst } : null },
      counters: dir.shaper.counters,
      frames: { ...dir.frames },
      path: this.#pathOf(dir),
      queued: dir.queue.size,
      sendErrors: dir.sendErrors,
    };
  }

  /** ZeroTier's heartbeats get through the direct path only if neither fault stops it. */
  #syncPath(dir: Direction): void {
    this.#paths.setDirect(dir.name, !dir.directDown && !dir.shaper.impairment.down, this.#now());
  }

  #pathOf(dir: Direction): DirectionStatus["path"] {
    const p = this.#paths.status(this.#now()).find((x) => x.direction === dir.name);
    return p
      ? { via: p.via, lastReceiveAgoMs: p.lastReceiveAgoMs, directWorks: p.directWorks }
      : { via: "direct", lastReceiveAgoMs: null, directWorks: true };
  }

  #select(direction: string): Direction[] {
    if (direction === ALL_DIRECTIONS) return this.#directions;
    const dir = this.#directions.find((d) => d.name === direction);
    if (dir) return [dir];
    throw new LabError(
      `unknown direction ${JSON.stringify(direction)}: expected ${[ALL_DIRECTIONS, ...this.directionNames].join(", ")}`,
    );
  }

  #onMessage(msg: Buffer, address: string, port: number): void {
    const outgoing = this.#outgoing.get(address);
    if (!outgoing) {
      this.#unknown.count++;
      this.#unknown.last = `${address}:${port}`;
      return;
    }
    const sizes = fragmentSizes(msg.length, this.#physMtu);
    const id = this.#nextFrameId++;
    const now = this.#now();
    for (const dir of outgoing) {
      dir.frames.received++;
      if (sizes.length > 1) dir.frames.fragmented++;
      // The sender's choice, by ZeroTier's path rules (peer-paths.ts).
      const via = this.#paths.via(dir.from.name, dir.to.name, now);
      if (via === "direct" && dir.directDown) {
        dir.frames.deadPath++;
        continue;
      }
      // Through the root the packets cross the same internet, then the root's detour.
      const relayed = via === "relay";
      if (relayed) dir.frames.relayed++;
      let sent = false;
      sizes.forEach((bytes, index) => {
        const decision = dir.shaper.decide(bytes, now);
        if (decision.kind !== "send") return;
        sent = true;
        for (const at of decision.departures)
          dir.queue.push(at, { frame: msg, id, index, total: sizes.length, relayed });
      });
      // The receiver heard the sender over the direct path: that path stays remembered.
      if (sent && via === "direct") this.#paths.receivedDirect(dir.from.name, dir.to.name, now);
    }
  }

  /** A fragment reached the receiver: the frame goes on once it is whole. */
  #arrive(dir: Direction, f: Fragment): void {
    const ring = this.#reassembly.get(dir.to.address);
    const r = ring ? ring.add(f.id, f.index, f.total, { dir, frame: f.frame }) : null;
    if (r && r.kind !== "complete") return;
    dir.frames.delivered++;
    this.#send(dir, f.frame, f.relayed);
  }

  #send(dir: Direction, buf: Buffer, relayed: boolean): void {
    try {
      if (relayed) this.#toRoot?.send(rootDatagram(dir.toIndex, buf));
      else dir.out?.send(buf);
    } catch (err) {
      this.#sendFailed(dir, err instanceof Error ? err : new Error(String(err)));
    }
  }

  #sendFailed(dir: Direction, err: Error): void {
    dir.sendErrors++;
    // One line per power of ten: visible without flooding the log during an outage.
    if (Number.isInteger(Math.log10(dir.sendErrors)))
      this.#log(`${dir.name}: send to ${dir.to.address} failed (${dir.sendErrors} so far): ${err.message}`);
  }
}

function checkOptions(opts: RelayOptions): void {
  const problems: string[] = [];
  if (isIP(opts.bindAddress) === 0)
    problems.push(`bind address ${JSON.stringify(opts.bindAddress)} is not an IP`);
  for (const [what, port] of [
    ["port", opts.port],
    ["peerPort", opts.peerPort],
  ] as const) {
    if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535))
      problems.push(`${what} ${port} is not a port number`);
  }
  const mtu = opts.physMtu;
  if (mtu !== undefined && !(Number.isInteger(mtu) && mtu >= ZT_MIN_PHYSMTU && mtu <= ZT_MAX_PHYSMTU))
    problems.push(`physMtu ${mtu} is not a whole number from ${ZT_MIN_PHYSMTU} to ${ZT_MAX_PHYSMTU}`);
  if ((opts.peerPort ?? opts.port ?? ZEROTIER_PORT) === 0)
    problems.push("peerPort is required when port is 0");
  const directions = opts.endpoints.flatMap((a) =>
    opts.endpoints.filter((b) => b !== a).map((b) => `${a.name}->${b.name}`),
  );
  const named = new Set<string>();
  for (const b of opts.baseline ?? []) {
    if (!directions.includes(b.direction))
      problems.push(
        `baseline for unknown direction ${JSON.stringify(b.direction)} (known: ${directions.join(", ")})`,
      );
    if (named.has(b.direction)) problems.push(`baseline for ${b.direction} given twice`);
    named.add(b.direction);
    const errors = validateImpairment(b.impairment);
    if (errors.length > 0) problems.push(`baseline for ${b.direction}: ${errors.join("; ")}`);
  }
  if (opts.endpoints.length < 2) problems.push(`needs at least 2 endpoints, got ${opts.endpoints.length}`);
  const names = new Set<string>();
  const addresses = new Set<string>();
  for (const { name, address } of opts.endpoints) {
    if (!NAME_RE.test(name) || name === ALL_DIRECTIONS)
      problems.push(
        `endpoint name ${JSON.stringify(name)} must be letters, digits, "_", "." or "-" and not "both"`,
      );
    if (isIP(address) === 0) problems.push(`endpoint ${name}: ${JSON.stringify(address)} is not an IP`);
    else if (isIP(address) !== isIP(opts.bindAddress))
      problems.push(`endpoint ${name}: ${address} is not the same IP version as ${opts.bindAddress}`);
    if (names.has(name)) problems.push(`endpoint name ${name} given twice`);
    if (addresses.has(address)) problems.push(`endpoint address ${address} given twice`);
    names.add(name);
    addresses.add(address);
  }
  if (problems.length > 0) throw new LabError(`relay: ${problems.join("; ")}`);
}

function bindError(address: string, port: number, err: unknown): LabError {
  const code = (err as NodeJS.ErrnoException).code;
  const hint =
    code === "EADDRNOTAVAIL"
      ? `is ${address} configured in this network namespace?`
      : code === "EADDRINUSE"
        ? "is another relay already running?"
        : undefined;
  const message = err instanceof Error ? err.message : String(err);
  return new LabError(`cannot bind UDP ${address}:${port}: ${message}${hint ? ` (${hint})` : ""}`, hint);
}
