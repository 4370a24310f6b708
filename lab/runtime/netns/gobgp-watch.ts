// Session events of a node's BGP speaker (gobgpd standing in for Cilium). Two ways, both
// checked against gobgp 3.10 (fixtures: tests/fixtures/sources/gobgp-*):
// - stream (default): `gobgp -p PORT monitor neighbor ADDR -j` prints one JSON object per FSM
//   state change of that neighbor, as it happens: {"conf":{...},"state":{"session_state":1,...},
//   "transport":{...}}. It carries no time and no reason: the event time is when the line
//   arrives. Without ADDR the 3.10 CLI prints nothing at all (it compares each peer's address
//   with the empty string), and --current does not dump the present state: one process per
//   neighbor, the starting state from `neighbor -j`.
// - poll: `gobgp -p PORT neighbor -j` every intervalMs. Its timers.state.uptime / downtime are
//   Unix seconds of the last transition to / from Established (when Established, downtime
//   equals uptime); the event time is the part of the poll window inside that second.
// The reason for a down is only in gobgpd's own log (`msg="Peer Down" Key=ADDR
// Reason=hold-timer-expired`): give logFile to have it as the event's detail.

import { type ChildProcess, spawn } from "node:child_process";
import { open, stat } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { gobgpTools } from "../../gobgp/binary.ts";
import { type GobgpSessionState, SESSION_STATES } from "../../gobgp/cli.ts";
import type { LabEvent } from "../../scenario/types.ts";
import { run } from "../../util/exec.ts";

export interface GobgpPeerStatus {
  address: string;
  state: GobgpSessionState;
  /** Unix seconds of the last transition to Established, if any. */
  uptime: number | null;
  /** Unix seconds of the last transition out of Established (equals uptime while Established). */
  downtime: number | null;
}

interface RawPeer {
  conf?: { neighbor_address?: string };
  state?: { neighbor_address?: string; session_state?: number };
  timers?: { state?: { uptime?: { seconds?: number }; downtime?: { seconds?: number } } };
}

const stateName = (n: number | undefined): GobgpSessionState => SESSION_STATES[n ?? 0] ?? "unknown";

function peerStatus(p: RawPeer): GobgpPeerStatus {
  return {
    address: p.conf?.neighbor_address ?? p.state?.neighbor_address ?? "?",
    state: stateName(p.state?.session_state),
    uptime: p.timers?.state?.uptime?.seconds ?? null,
    downtime: p.timers?.state?.downtime?.seconds ?? null,
  };
}

/** `gobgp neighbor -j` output. Throws when the CLI reported an error instead. */
export function parseNeighborStatus(json: string): GobgpPeerStatus[] {
  const raw = JSON.parse(json.trim() || "[]") as RawPeer[] | { error?: string } | null;
  if (raw && !Array.isArray(raw)) throw new Error(`gobgp: ${raw.error ?? JSON.stringify(raw)}`);
  return (raw ?? []).map(peerStatus);
}

/** One line of `gobgp monitor neighbor ADDR -j`; null when it is not a peer state object. */
export function parseMonitorNeighborLine(line: string): { address: string; state: GobgpSessionState } | null {
  const s = line.trim();
  if (!s.startsWith("{")) return null;
  try {
    const p = JSON.parse(s) as RawPeer;
    if (p.state?.session_state === undefined && !p.conf) return null;
    const { address, state } = peerStatus(p);
    return { address, state };
  } catch {
    return null;
  }
}

/**
 * When a transition seen between two polls happened: the middle of the part of the poll window
 * [from, to] that lies inside GoBGP's stamp second (Unix seconds, truncated); the middle of the
 * window when there is no stamp or it does not overlap.
 */
export function estimateTransitionTime(from: number, to: number, stampSeconds: number | null): number {
  if (stampSeconds !== null && stampSeconds > 0) {
    const lo = Math.max(from, stampSeconds * 1000);
    const hi = Math.min(to, stampSeconds * 1000 + 999);
    if (lo <= hi) return (lo + hi) / 2;
  }
  return (from + to) / 2;
}

export interface GobgpdLogRecord {
  t: number;
  level: string;
  msg: string;
  fields: Record<string, string>;
}

/** A gobgpd plain-format (`-p`) log line: `time="2026-11-26T06:04:53Z" level=info msg="Peer Down" Key=...`. */
export function parseGobgpdLogLine(line: string): GobgpdLogRecord | null {
  const fields: Record<string, string> = {};
  const re = /(\w[\w.-]*)=("((?:[^"\\]|\\.)*)"|\S*)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) {
    const key = m[1] ?? "";
    fields[key] = m[3] !== undefined ? m[3].replace(/\\(.)/g, "$1") : (m[2] ?? "");
  }
  const t = fields.time ? Date.parse(fields.time) : Number.NaN;
  if (Number.isNaN(t) || fields.msg === undefined) return null;
  const { time: _time, level = "", msg = "", ...rest } = fields;
  return { t, level, msg, fields: rest };
}

/** The Reason of the last `Peer Down` of `address` logged within windowMs of t (log time has 1 s steps). */
export function peerDownReason(
  logText: string,
  address: string,
  t: number,
  windowMs = 2500,
): string | undefined {
  let found: string | undefined;
  for (const line of logText.split("\n")) {
    if (!line.includes("Peer Down")) continue;
    const r = parseGobgpdLogLine(line);
    if (r?.msg !== "Peer Down" || r.fields.Key !== address) continue;
    // The log time is truncated to the second.
    if (r.t <= t + windowMs && r.t + 1000 >= t - windowMs) found = r.fields.Reason;
  }
  return found;
}

export interface GobgpWatchOptions {
  /** The node's namespace (gobgpd's API listens on 127.0.0.1 there). */
  netns: string;
  apiPort: number;
  /** Node name for the events' owner. */
  owner: string;
  onEvent: (event: LabEvent) => void;
  /** "stream" (default) or "poll". */
  mode?: "stream" | "poll";
  /** Poll period in poll mode (default 200 ms); in stream mode the safety poll runs every max(1000, this). */
  intervalMs?: number;
  /** Neighbor addresses to watch (default: all that the first poll lists). */
  peers?: string[];
  /** gobgpd's plain log: a down event's detail is its `Peer Down` Reason. */
  logFile?: string;
  /** Hard upper bound on the watch's life (default 30 min). */
  maxLifetimeMs?: number;
  onError?: (err: Error) => void;
}

interface PeerTrack {
  state: GobgpSessionState | "unknown";
  uptime: number | null;
  /** Poll-seen state that differs from `state`, and since which poll (stream mode). */
  pendingPolls: number;
  monitor?: ChildProcess;
  monitorExited?: Promise<void>;
  /** Monitor exits since its last state line (only the first is reported). */
  monitorFailures: number;
  buffer: string;
}

const API_TIMEOUT_MS = 2000;

/** Follows the BGP sessions of one gobgpd; emits `session` events with source "gobgp". */
export class GobgpWatch {
  private readonly peers = new Map<string, PeerTrack>();
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private lifeTimer: NodeJS.Timeout | undefined;
  private lastPollAt: number | null = null;
  private apiDown = false;
  private queue: Promise<void> = Promise.resolve();
  private polling: Promise<void> = Promise.resolve();
  private readonly mode: "stream" | "poll";
  private readonly intervalMs: number;

  constructor(private readonly opts: GobgpWatchOptions) {
    this.mode = opts.mode ?? "stream";
    this.intervalMs = opts.intervalMs ?? 200;
    if (!(this.intervalMs >= 50 && this.intervalMs <= 60_000)) {
      throw new RangeError(`GobgpWatch: intervalMs ${this.intervalMs} outside 50..60000`);
    }
  }

  /** Learns the current states (no events for them), then follows changes. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    for (const a of this.opts.peers ?? []) this.track(a);
    const life = this.opts.maxLifetimeMs ?? 30 * 60_000;
    this.lifeTimer = setTimeout(() => {
      this.opts.onError?.(
        new Error(`gobgp watch of ${this.opts.owner} stopped after ${life} ms (maxLifetimeMs)`),
      );
      void this.stop();
    }, life);
    this.lifeTimer.unref();
    await this.pollOnce();
    if (this.mode === "stream") {
      for (const [address, p] of this.peers) if (this.running) await this.startMonitor(address, p);
      // A transition between the first poll and the subscriptions: catch it now.
      await this.pollOnce(true);
    }
    this.schedule();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    if (this.lifeTimer) clearTimeout(this.lifeTimer);
    await this.polling;
    for (const p of this.peers.values()) {
      const m = p.monitor;
      if (!m) continue;
      if (m.exitCode === null && m.signalCode === null) {
        m.kill("SIGTERM");
        const gone = await Promise.race([p.monitorExited?.then(() => true), sleep(1000).then(() => false)]);
        if (!gone) {
          m.kill("SIGKILL");
          await p.monitorExited;
        }
      }
      p.monitor = undefined;
    }
    await this.queue;
  }

  /** The states as last seen. */
  states(): Record<string, GobgpSessionState | "unknown"> {
    return Object.fromEntries([...this.peers].map(([a, p]) => [a, p.state]));
  }

  private track(address: string): PeerTrack {
    let p = this.peers.get(address);
    if (!p) {
      p = { state: "unknown", uptime: null, pendingPolls: 0, buffer: "", monitorFailures: 0 };
      this.peers.set(address, p);
    }
    return p;
  }

  private schedule(): void {
    if (!this.running) return;
    const every = this.mode === "stream" ? Math.max(1000, this.intervalMs) : this.intervalMs;
    this.timer = setTimeout(() => {
      this.polling = this.pollOnce().then(() => {
        if (this.mode === "stream" && !this.apiDown) {
          for (const [address, p] of this.peers) {
            if (this.running && !p.monitor) void this.startMonitor(address, p);
          }
        }
        this.schedule();
      });
    }, every);
  }

  /** `trustPoll`: apply what the poll sees even while a stream is alive. */
  private async pollOnce(trustPoll = false): Promise<void> {
    const from = this.lastPollAt;
    const started = Date.now();
    let list: GobgpPeerStatus[];
    try {
      const r = await run([gobgpTools().gobgp, "-p", String(this.opts.apiPort), "neighbor", "-j"], {
        netns: this.opts.netns,
        timeoutMs: API_TIMEOUT_MS,
        allowFailure: true,
      });
      if (r.code !== 0) throw new Error((r.stdout + r.stderr).trim() || `exit ${r.code}`);
      list = parseNeighborStatus(r.stdout);
    } catch (err) {
      if (!this.apiDown && this.running) {
        this.apiDown = true;
        this.emit({
          t: started,
          kind: "note",
          message: `${this.opts.owner}: gobgp API :${this.opts.apiPort} not answering (${(err as Error).message.split("\n")[0]})`,
        });
      }
      return;
    }
    const now = Date.now();
    if (this.apiDown) {
      this.apiDown = false;
      this.emit({
        t: now,
        kind: "note",
        message: `${this.opts.owner}: gobgp API :${this.opts.apiPort} answering again`,
      });
    }
    this.lastPollAt = started;
    for (const s of list) {
      if (this.opts.peers && !this.opts.peers.includes(s.address)) continue;
      const p = this.track(s.address);
      if (p.state === "unknown" || from === null) {
        p.state = s.state;
        p.uptime = s.uptime;
        continue;
      }
      const streamAlive = this.mode === "stream" && p.monitor !== undefined && !trustPoll;
      const wasUp = p.state === "established";
      const isUp = s.state === "established";
      const flapped = wasUp && isUp && s.uptime !== null && p.uptime !== null && s.uptime > p.uptime;
      if (wasUp === isUp && !flapped) {
        p.pendingPolls = 0;
        if (!streamAlive) p.state = s.state;
        p.uptime = s.uptime ?? p.uptime;
        continue;
      }
      // Trust a live stream unless it has missed the change for two polls running.
      if (streamAlive && ++p.pendingPolls < 2) continue;
      p.pendingPolls = 0;
      const window = [from, now] as const;
      if (flapped || wasUp) {
        const t = flapped ? window[0] : estimateTransitionTime(window[0], window[1], s.downtime);
        this.emitSession(s.address, "down", t, flapped ? "flapped between polls" : undefined);
      }
      if (isUp) this.emitSession(s.address, "up", estimateTransitionTime(window[0], window[1], s.uptime));
      p.state = s.state;
      p.uptime = s.uptime;
    }
  }

  private async startMonitor(address: string, p: PeerTrack): Promise<void> {
    const child = spawn(
      "ip",
      [
        "netns",
        "exec",
        this.opts.netns,
        gobgpTools().gobgp,
        "-p",
        String(this.opts.apiPort),
        "monitor",
        "neighbor",
        address,
        "-j",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    p.monitor = child;
    p.buffer = "";
    p.monitorExited = new Promise((resolve) => child.once("close", () => resolve()));
    child.once("error", (err) => this.opts.onError?.(err));
    let stderr = "";
    child.stderr?.setEncoding("utf8").on("data", (d: string) => {
      stderr = (stderr + d).slice(-1000);
    });
    child.stdout?.setEncoding("utf8").on("data", (d: string) => {
      const at = Date.now();
      const lines = (p.buffer + d).split("\n");
      p.buffer = lines.pop() ?? "";
      for (const line of lines) {
        const s = parseMonitorNeighborLine(line);
        if (s && s.address === address) {
          p.monitorFailures = 0;
          this.onStreamState(address, p, s.state, at);
        }
      }
    });
    child.once("close", (code) => {
      if (p.monitor === child) p.monitor = undefined;
      if (this.running && ++p.monitorFailures === 1) {
        this.opts.onError?.(
          new Error(
            `gobgp monitor neighbor ${address} in ${this.opts.netns} exited (${code}): ${stderr.trim()}`,
          ),
        );
      }
    });
    // The gRPC subscription is made right after the CLI starts (Go start-up takes ~20-50 ms).
    await sleep(150);
  }

  private onStreamState(address: string, p: PeerTrack, state: GobgpSessionState, at: number): void {
    const wasUp = p.state === "established";
    const isUp = state === "established";
    p.state = state;
    p.pendingPolls = 0;
    if (wasUp && !isUp) this.emitSession(address, "down", at);
    if (!wasUp && isUp) this.emitSession(address, "up", at);
  }

  private emitSession(peer: string, state: "up" | "down", t: number, detail?: string): void {
    const base = {
      t,
      kind: "session" as const,
      owner: this.opts.owner,
      peer,
      state,
      source: "gobgp" as const,
    };
    if (state === "up" || detail || !this.opts.logFile) {
      this.emit(detail ? { ...base, detail } : base);
      return;
    }
    const logFile = this.opts.logFile;
    this.enqueue(async () => {
      let reason: string | undefined;
      // gobgpd logs the Peer Down line as it changes state; give it a moment to appear.
      for (let i = 0; i < 3 && reason === undefined; i++) {
        reason = peerDownReason(await tail(logFile, 64 * 1024), peer, t);
        if (reason === undefined) await sleep(100);
      }
      this.opts.onEvent(reason ? { ...base, detail: reason } : base);
    });
  }

  private emit(e: LabEvent): void {
    this.enqueue(() => this.opts.onEvent(e));
  }

  /** Keeps the order of events when a down waits for its reason. */
  private enqueue(job: () => void | Promise<void>): void {
    this.queue = this.queue.then(job).catch((err: unknown) => {
      this.opts.onError?.(err instanceof Error ? err : new Error(String(err)));
    });
  }
}

async function tail(file: string, bytes: number): Promise<string> {
  try {
    const size = (await stat(file)).size;
    const start = Math.max(0, size - bytes);
    const fh = await open(file, "r");
    try {
      const buf = Buffer.alloc(size - start);
      await fh.read(buf, 0, buf.length, start);
      return buf.toString("utf8");
    } finally {
      await fh.close();
    }
  } catch {
    return "";
  }
}
