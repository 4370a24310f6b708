// Kernel route changes inside a namespace, as they happen: `ip -ts -4 monitor route`.
// iproute2 6.1 prints one message per change, stamped with the local time (no zone) and
// microseconds, e.g. (real lines: tests/fixtures/sources/ip-monitor-route-*.txt)
//   [2026-11-26T06:07:28.378321] 10.42.1.0/24 via 10.99.0.1 dev eth0 proto bird metric 32
//   [2026-11-26T06:07:36.164444] Deleted 10.42.1.0/24 via 10.99.0.1 dev eth0 proto bird metric 32
//   [2026-11-26T06:06:49.488631] 10.42.9.0/24
//   	nexthop via 10.99.0.1 dev eth0 weight 1
//   	nexthop via 10.99.0.5 dev eth0 weight 2
// A replaced route is printed like an added one (no "Replaced" marker). Measured trap: routes
// the kernel drops because their device went down (ip link set DEV down) produce NO message.
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { inNetns, type Where, whereLabel } from "../../util/exec.ts";
import type { LabEvent } from "../types.ts";
import { localTimeToEpochMs } from "./bird-log.ts";

export interface RouteChange {
  t: number;
  change: "add" | "del";
  /** unicast, blackhole, unreachable, prohibit, local, broadcast, ... */
  type: string;
  /** Always with a length: "10.42.1.0/24", "10.42.12.7/32", "0.0.0.0/0". */
  prefix: string;
  /** Gateway(s); several (ECMP) joined with ",". */
  via?: string;
  dev?: string;
  proto?: string;
  /** "main" unless the line names another table. */
  table: string;
}

const TS_RE = /^\[(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?\] ?(.*)$/;
const ROUTE_TYPES = new Set([
  "unicast",
  "local",
  "broadcast",
  "multicast",
  "throw",
  "unreachable",
  "prohibit",
  "blackhole",
  "nat",
  "anycast",
]);

/** `[2026-11-26T06:07:28.378321]` (local time) -> epoch ms (fractional). */
export function parseIpTimestamp(stamp: string): number | null {
  const m = TS_RE.exec(stamp.startsWith("[") ? stamp : `[${stamp}]`);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac] = m;
  return localTimeToEpochMs(
    Number(y),
    Number(mo),
    Number(d),
    Number(h),
    Number(mi),
    Number(s),
    (frac ?? "").slice(0, 6),
  );
}

/**
 * One message of `ip -ts -4 monitor route`: its first (timestamped) line plus any
 * continuation lines (multipath `nexthop ...`), joined with "\n". null for anything else.
 */
export function parseIpMonitorRoute(message: string): RouteChange | null {
  const [first = "", ...rest] = message.split("\n");
  const m = TS_RE.exec(first.trimEnd());
  if (!m) return null;
  const t = parseIpTimestamp(first.slice(0, first.indexOf("]") + 1));
  if (t === null) return null;
  const words = (m[8] ?? "").trim().split(/\s+/).filter(Boolean);
  let change: "add" | "del" = "add";
  if (words[0] === "Deleted") {
    change = "del";
    words.shift();
  }
  let type = "unicast";
  if (words[0] && ROUTE_TYPES.has(words[0])) type = words.shift() ?? type;
  const dst = words.shift();
  if (!dst || !/^(default|\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?)$/.test(dst)) return null;
  const prefix = dst === "default" ? "0.0.0.0/0" : dst.includes("/") ? dst : `${dst}/32`;
  const value = (key: string, ws: string[]) => {
    const i = ws.indexOf(key);
    return i >= 0 ? ws[i + 1] : undefined;
  };
  const gateways: string[] = [];
  const devs: string[] = [];
  const firstVia = value("via", words);
  if (firstVia) gateways.push(firstVia);
  const firstDev = value("dev", words);
  if (firstDev) devs.push(firstDev);
  for (const line of rest) {
    const ws = line.trim().split(/\s+/);
    if (ws[0] !== "nexthop") continue;
    const v = value("via", ws);
    const dv = value("dev", ws);
    if (v) gateways.push(v);
    if (dv && !devs.includes(dv)) devs.push(dv);
  }
  const r: RouteChange = { t, change, type, prefix, table: value("table", words) ?? "main" };
  if (gateways.length) r.via = gateways.join(",");
  if (devs.length) r.dev = devs.join(",");
  const proto = value("proto", words);
  if (proto) r.proto = proto;
  return r;
}

export function routeEvent(r: RouteChange, router: string): LabEvent {
  return {
    t: r.t,
    kind: "route",
    router,
    prefix: r.prefix,
    change: r.change,
    ...(r.via ? { via: r.via } : {}),
    source: "netlink",
  };
}

/**
 * Splits a stream of monitor output into messages: a line starting with "[" opens one,
 * indented lines continue it. `push` returns the messages completed by the chunk; `flush` the
 * one still open (call it after a quiet moment or at the end).
 */
export class MonitorMessageSplitter {
  private partial = "";
  private open: string[] = [];

  push(chunk: string): string[] {
    const done: string[] = [];
    const lines = (this.partial + chunk).split("\n");
    this.partial = lines.pop() ?? "";
    for (const raw of lines) {
      const line = raw.replace(/\r$/, "");
      if (line.startsWith("[")) {
        if (this.open.length) done.push(this.open.join("\n"));
        this.open = [line];
      } else if (/^\s/.test(line) && this.open.length) {
        this.open.push(line);
      } else if (line.trim()) {
        if (this.open.length) done.push(this.open.join("\n"));
        this.open = [];
      }
    }
    return done;
  }

  flush(): string | null {
    if (!this.open.length) return null;
    const m = this.open.join("\n");
    this.open = [];
    return m;
  }
}

export interface RouteMonitorOptions {
  /** Namespace to watch (a name, or a prefix that enters it). */
  netns: Where;
  /** Name for the events' `router` field (the element owning the namespace). */
  router: string;
  onEvent: (event: LabEvent) => void;
  /** Keep only these prefixes (default: all). */
  filter?: (prefix: string, route: RouteChange) => boolean;
  /** Include routes of tables other than main (local, broadcast, policy tables). Default false. */
  allTables?: boolean;
  /** Hard upper bound on the monitor's life; it stops itself after this (default 30 min). */
  maxLifetimeMs?: number;
  /** The monitor died or stopped itself (not on stop()). */
  onError?: (err: Error) => void;
}

const QUIET_FLUSH_MS = 30;
const MONITOR_ARGV = ["ip", "-ts", "-4", "monitor", "route"];

/** Runs `ip -ts -4 monitor route` in a namespace until stop() (or maxLifetimeMs). */
export class RouteMonitor {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private splitter = new MonitorMessageSplitter();
  private quietTimer: NodeJS.Timeout | undefined;
  private lifeTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private stderr = "";

  constructor(private readonly opts: RouteMonitorOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Spawns the monitor; resolves once it is subscribed to route changes (or after 1 s). */
  async start(): Promise<void> {
    if (this.child) return;
    const command = inNetns(this.opts.netns, MONITOR_ARGV);
    const child = spawn(command[0] as string, command.slice(1), {
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    this.stopping = false;
    this.exited = new Promise((resolve) => child.once("close", () => resolve()));
    child.stdout?.setEncoding("utf8").on("data", (d: string) => this.onData(d));
    child.stderr?.setEncoding("utf8").on("data", (d: string) => {
      this.stderr = (this.stderr + d).slice(-2000);
    });
    child.once("error", (err) => this.opts.onError?.(err));
    child.once("close", (code, sig) => {
      this.clearTimers();
      this.emit(this.splitter.flush());
      if (!this.stopping) {
        this.opts.onError?.(
          new Error(
            `ip monitor in ${whereLabel(this.opts.netns)} exited (${code ?? sig}): ${this.stderr.trim()}`,
          ),
        );
      }
    });
    const life = this.opts.maxLifetimeMs ?? 30 * 60_000;
    this.lifeTimer = setTimeout(() => {
      this.opts.onError?.(
        new Error(`route monitor in ${whereLabel(this.opts.netns)} stopped after ${life} ms (maxLifetimeMs)`),
      );
      void this.stop();
    }, life);
    this.lifeTimer.unref();
    await waitSubscribed(child, 1000);
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.stopping = true;
    this.clearTimers();
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const killed = await Promise.race([this.exited.then(() => true), sleep(1000).then(() => false)]);
      if (!killed) {
        child.kill("SIGKILL");
        await this.exited;
      }
    }
    this.child = undefined;
  }

  private clearTimers(): void {
    if (this.quietTimer) clearTimeout(this.quietTimer);
    if (this.lifeTimer) clearTimeout(this.lifeTimer);
    this.quietTimer = undefined;
    this.lifeTimer = undefined;
  }

  private onData(chunk: string): void {
    for (const m of this.splitter.push(chunk)) this.emit(m);
    if (this.quietTimer) clearTimeout(this.quietTimer);
    // A message's continuation lines come in the same write; flush once the pipe is quiet.
    this.quietTimer = setTimeout(() => this.emit(this.splitter.flush()), QUIET_FLUSH_MS);
  }

  private emit(message: string | null): void {
    if (!message) return;
    const r = parseIpMonitorRoute(message);
    if (!r) return;
    if (!this.opts.allTables && r.table !== "main") return;
    if (this.opts.filter && !this.opts.filter(r.prefix, r)) return;
    this.opts.onEvent(routeEvent(r, this.opts.router));
  }
}

/**
 * `ip netns exec` and nsenter exec the monitor in the same process: wait until the command line
 * is the monitor's and it holds a socket, i.e. it has subscribed to the route group.
 */
async function waitSubscribed(child: ChildProcess, budgetMs: number): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  const deadline = Date.now() + budgetMs;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      if (cmdline[0] === "ip" && cmdline[1] === "-ts") {
        const fds = readdirSync(`/proc/${pid}/fd`);
        if (fds.some((fd) => readlinkSafe(`/proc/${pid}/fd/${fd}`).startsWith("socket:"))) {
          // Socket opened; bind (the subscription) follows within microseconds.
          await sleep(10);
          return;
        }
      }
    } catch {
      return;
    }
    await sleep(5);
  }
}

function readlinkSafe(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return "";
  }
}
