// BIRD 2 log lines -> scenario events. The lab runs BIRD with `log "FILE" all; timeformat log
// iso long ms; debug protocols { states, events };`, so every line looks like
//   2026-11-26 06:07:32.070 <RMT> router_home: Error: Hold timer expired
//   2026-11-26 06:07:32.070 <TRACE> router_home: BGP session closed
//   2026-11-26 06:07:32.070 <TRACE> router_home: State changed to stop
// (real lines: tests/fixtures/sources/bird-*.log). The timestamp has no zone: it is the local
// time of the machine BIRD runs on, parsed here with this process's local zone.
//
// Session semantics (BIRD 2.0.12, measured): when an Established session ends, BIRD logs the
// reason first (`Error: Hold timer expired`, `Received: Administrative shutdown`, `Link down`,
// `BFD session down`, `Connection closed` + `Neighbor graceful restart detected`, ...), then
// `BGP session closed` and `State changed to stop` (or `start` on a graceful restart) in the
// same millisecond. `State changed to down` (the moment routes are flushed) may come seconds
// later: 3.0 s after a hold-timer expiry with hold 3. One `down` event is emitted, at the first
// of those lines, carrying the reasons seen since the session came up.
import { open, stat } from "node:fs/promises";
import { StringDecoder } from "node:string_decoder";
import type { LabEvent } from "../types.ts";

/** One log line split into its parts; `protocol` is null for daemon-wide lines. */
export interface BirdLogLine {
  t: number;
  /** TRACE, INFO, RMT, WARN, ERR, AUTH, FATAL, BUG, DBG. */
  level: string;
  protocol: string | null;
  message: string;
}

const LINE_RE = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))? <([A-Z]+)> (.*)$/;
// Protocol and channel names (`router_home`, `router_home.ipv4`); quoted symbols too.
const PROTO_RE = /^([A-Za-z_][\w.]*|'[^']+'): (.*)$/;

/** Local wall-clock date and time (no zone, as BIRD writes it) -> epoch ms. */
export function localTimeToEpochMs(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  fraction = "",
): number {
  const base = new Date(year, month - 1, day, hour, minute, second, 0).getTime();
  return fraction ? base + Number(fraction.padEnd(6, "0")) / 1000 : base;
}

export function splitBirdLogLine(line: string): BirdLogLine | null {
  const m = LINE_RE.exec(line.replace(/\r$/, ""));
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac, level, rest] = m;
  const t = localTimeToEpochMs(
    Number(y),
    Number(mo),
    Number(d),
    Number(h),
    Number(mi),
    Number(s),
    frac ?? "",
  );
  const body = rest ?? "";
  const p = PROTO_RE.exec(body);
  return p
    ? { t, level: level ?? "", protocol: p[1] ?? null, message: p[2] ?? "" }
    : { t, level: level ?? "", protocol: null, message: body };
}

export interface BirdLogParseOptions {
  /**
   * Which protocols are BGP sessions (the lab knows them from the rendered config). Default:
   * a protocol that logged a line only BGP logs (`Connecting to`, `BGP session established`,
   * `Error: ...`, `Link down`, ...), or one seeded with `assume()`. With `debug protocols
   * { states, events }` every BGP protocol logs such a line before its first state change.
   */
  isSession?: (protocol: string) => boolean;
}

type KnownState = "up" | "down" | "unknown";

interface ProtocolContext {
  state: KnownState;
  bgp: boolean;
  /** Reasons logged since the session came up, oldest first (at most MAX_REASONS). */
  reasons: string[];
  lastNote?: string;
}

const MAX_REASONS = 3;
const BGP_ONLY =
  /^(BGP session (established|closed)|Connect delayed by|Connecting to|Connected$|Incoming connection from|Connection (closed|lost|stalled|collision)|Neighbor (graceful restart|ready|lost)|Startup delayed by|Waiting for|Error: |Received: |BFD session down|Hold timer expired|Link down|Shutdown requested|Long-lived stale timeout)/;
/** TRACE lines that explain why an Established session ended. */
const REASON_RE =
  /^(Connection closed|Connection lost \(.*\)|Connection stalled|Link down|Neighbor lost|Shutdown requested|BFD session down|Hold timer expired|Neighbor graceful restart detected.*|Neighbor graceful restart timeout|Long-lived stale timeout|Route limit exceeded.*)$/;
/** TRACE lines worth a note in the event stream. */
const NOTE_RE =
  /^(Startup delayed by .*|Neighbor graceful restart (detected|done|timeout).*|Long-lived stale timeout|Session to \S+ (changed state from \S+ to \S+|expired))$/;

/** Per-protocol state that lets one line be read in the light of the lines before it. */
export class BirdLogContext {
  private readonly protocols = new Map<string, ProtocolContext>();

  constructor(readonly options: BirdLogParseOptions = {}) {}

  /** Seeds a protocol's session state, e.g. from `show protocols` when following from the end. */
  assume(protocol: string, state: "up" | "down"): void {
    const p = this.get(protocol);
    p.state = state;
    p.bgp = true;
  }

  /** What the lines so far say about the protocol's session. */
  stateOf(protocol: string): KnownState {
    return this.protocols.get(protocol)?.state ?? "unknown";
  }

  get(protocol: string): ProtocolContext {
    let c = this.protocols.get(protocol);
    if (!c) {
      c = { state: "unknown", bgp: false, reasons: [] };
      this.protocols.set(protocol, c);
    }
    return c;
  }

  isSession(protocol: string): boolean {
    if (this.options.isSession) return this.options.isSession(protocol);
    return this.get(protocol).bgp;
  }
}

/**
 * One BIRD log line -> a `session` event (state up/down), a `note`, or null. Pass the same
 * context for every line of one log: a `down` event carries the reasons logged before it, and
 * repeated transitions are reported once. Without a context the line is read on its own.
 *
 * A protocol whose state is unknown (following from the middle of a log) counts as possibly up:
 * its next `State changed to stop|flush|down` or `BGP session closed` gives a `down` event.
 */
export function parseBirdLogLine(
  line: string,
  router: string,
  ctx: BirdLogContext = new BirdLogContext(),
): LabEvent | null {
  const l = splitBirdLogLine(line);
  if (!l) return null;
  const { t, level, protocol, message } = l;
  if (protocol === null || protocol.includes(".")) {
    // Daemon-wide lines and channel lines: notes when they are not traces.
    if (level === "TRACE" || level === "DBG") return null;
    return { t, kind: "note", message: `${router}: ${protocol ? `${protocol}: ` : ""}${message}` };
  }
  const p = ctx.get(protocol);
  if (BGP_ONLY.test(message)) p.bgp = true;
  const session = ctx.isSession(protocol);
  const note = (text: string): LabEvent | null => {
    if (p.lastNote === text) return null;
    p.lastNote = text;
    return { t, kind: "note", message: `${router}/${protocol}: ${text}` };
  };
  const up = (): LabEvent | null => {
    if (!session || p.state === "up") return null;
    p.state = "up";
    p.reasons = [];
    p.lastNote = undefined;
    return { t, kind: "session", owner: router, peer: protocol, state: "up", source: "bird-log" };
  };
  const down = (): LabEvent | null => {
    if (!session || p.state === "down") return null;
    p.state = "down";
    const detail = p.reasons.join("; ");
    p.reasons = [];
    return {
      t,
      kind: "session",
      owner: router,
      peer: protocol,
      state: "down",
      ...(detail ? { detail } : {}),
      source: "bird-log",
    };
  };
  const addReason = (reason: string) => {
    if (p.reasons.includes(reason)) return;
    p.reasons.push(reason);
    if (p.reasons.length > MAX_REASONS) p.reasons.shift();
  };

  if (message === "BGP session established" || message === "State changed to up") return up();
  if (message.startsWith("Initializing")) {
    // The protocol was just created (daemon start, reconfiguration): not up.
    p.state = "down";
    p.reasons = [];
    return null;
  }
  if (message === "BGP session closed") return down();
  const changed = /^State changed to (\w+)$/.exec(message);
  if (changed) {
    const to = changed[1];
    // `start` after `up` is a graceful restart (the routes are kept, the session is gone);
    // from an unknown state it is also what every (re)connection attempt logs, so wait then
    // for `BGP session closed`.
    if (p.state === "up" || (p.state === "unknown" && to !== "start")) return down();
    if (session && p.state === "unknown") p.state = "down";
    return null;
  }
  if (level === "RMT") {
    // `Error: Hold timer expired` (we closed it), `Received: Administrative shutdown` (peer did).
    const reason = message.startsWith("Error: ") ? message.slice("Error: ".length) : message;
    if (p.state !== "down") {
      addReason(reason);
      return null;
    }
    return note(message);
  }
  const isReason = REASON_RE.test(message);
  if (isReason && p.state !== "down") addReason(message);
  if (NOTE_RE.test(message)) return note(message);
  if (level !== "TRACE" && level !== "DBG") return note(`${level}: ${message}`);
  return null;
}

/** Every event in a whole log text (one context for all its lines). */
export function parseBirdLog(text: string, router: string, ctx = new BirdLogContext()): LabEvent[] {
  const events: LabEvent[] = [];
  for (const line of text.split("\n")) {
    const e = parseBirdLogLine(line, router, ctx);
    if (e) events.push(e);
  }
  return events;
}

export interface BirdLogFollowerOptions {
  file: string;
  /** Router name for the events' owner. */
  router: string;
  onEvent: (event: LabEvent) => void;
  /** Byte offset to start at; "end" = the file's size when start() runs. Default 0. */
  from?: number | "end";
  /** Poll interval, ms (default 75). */
  intervalMs?: number;
  context?: BirdLogContext;
  /** Every complete line, before parsing (for a raw transcript). */
  onLine?: (line: string) => void;
  /** A read failed other than by the file not existing yet (reading continues). */
  onError?: (err: Error) => void;
}

/**
 * Follows a growing BIRD log: reads what was appended every intervalMs, keeps a partial last
 * line until its newline arrives, and starts over from 0 when the file shrinks (truncated or
 * replaced). A missing file is waited for.
 */
export class BirdLogFollower {
  private pos = 0;
  private partial = "";
  private decoder = new StringDecoder("utf8");
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private reading: Promise<void> = Promise.resolve();
  private readonly ctx: BirdLogContext;
  private readonly intervalMs: number;

  constructor(private readonly opts: BirdLogFollowerOptions) {
    this.ctx = opts.context ?? new BirdLogContext();
    this.intervalMs = opts.intervalMs ?? 75;
    if (!(this.intervalMs >= 10 && this.intervalMs <= 5000)) {
      throw new RangeError(`BirdLogFollower: intervalMs ${this.intervalMs} outside 10..5000`);
    }
  }

  /** Byte offset up to which the file has been consumed (partial line included). */
  get offset(): number {
    return this.pos;
  }

  get context(): BirdLogContext {
    return this.ctx;
  }

  /** Resolves once the starting offset is fixed and the first read is done. */
  async start(): Promise<void> {
    if (this.running) return;
    const from = this.opts.from ?? 0;
    this.pos = from === "end" ? await sizeOf(this.opts.file) : from;
    this.running = true;
    await this.poll();
  }

  /** Reads what is left (complete lines only), then stops. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.reading;
    await this.readOnce();
  }

  private async poll(): Promise<void> {
    this.reading = this.readOnce();
    await this.reading;
    if (this.running) this.timer = setTimeout(() => void this.poll(), this.intervalMs);
  }

  private async readOnce(): Promise<void> {
    let size: number;
    try {
      size = (await stat(this.opts.file)).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") this.opts.onError?.(err as Error);
      return;
    }
    if (size < this.pos) {
      this.pos = 0;
      this.partial = "";
      this.decoder = new StringDecoder("utf8");
    }
    if (size === this.pos) return;
    try {
      const fh = await open(this.opts.file, "r");
      try {
        const buf = Buffer.alloc(Math.min(size - this.pos, 1 << 20));
        while (this.pos < size) {
          const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, size - this.pos), this.pos);
          if (bytesRead === 0) break;
          this.pos += bytesRead;
          this.consume(this.decoder.write(buf.subarray(0, bytesRead)));
        }
      } finally {
        await fh.close();
      }
    } catch (err) {
      this.opts.onError?.(err as Error);
    }
  }

  private consume(text: string): void {
    const lines = (this.partial + text).split("\n");
    this.partial = lines.pop() ?? "";
    for (const line of lines) {
      this.opts.onLine?.(line);
      const e = parseBirdLogLine(line, this.opts.router, this.ctx);
      if (e) this.opts.onEvent(e);
    }
  }
}

async function sizeOf(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}
