// Traffic probes between lab namespaces (pod to pod): a bounded fping stream, the outages and
// statistics derived from it.
//
// fping 5.1 with `-c N -p MS -t MS -D` prints one line per answered packet, stamped with the
// receive time in Unix seconds (10 us resolution), and a line per packet it saw time out
// (real output: tests/fixtures/sources/fping-*.out):
//   [1795673218.15643] 10.99.1.1 : [51], 64 bytes, 0.064 ms (0.066 avg, 0% loss)
//   [1795673218.37985] 10.99.1.1 : [52], timed out (0.066 avg, 1% loss)
// Packets that could not be sent (no route, device down) print nothing at all; the summary on
// stderr (`10.99.1.1 : xmt/rcv/%loss = 150/99/34%, ...`) gives how many were sent. So every
// sequence number below xmt that has no reply line is lost.
import { type ChildProcess, spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { inNetns, type Where, whereLabel } from "../../util/exec.ts";
import type { Outage, ProbeStream } from "../types.ts";

// The one-shot TCP connect lives in probe/tcp-connect; re-exported for the tests that import it here.
export { type TcpConnectResult, tcpConnect } from "../../observe/tcp-connect.ts";

/** Refused above this rate (packets per second). */
export const MAX_PPS = 100;
/** Largest ICMP data size: 1472 + 8 + 20 fills a 1500-byte pod MTU without IP fragmenting. */
export const MAX_PROBE_SIZE = 1472;
/** Refused above this duration (count x interval). */
export const MAX_DURATION_MS = 15 * 60_000;

export interface ProbeOptions {
  /** Stream name (Outage.stream refers to it). */
  name: string;
  /** Namespace the packets leave from (a name, or a prefix that enters it). */
  netns: Where;
  /** Element names for the report. */
  from: string;
  to: string;
  toAddress: string;
  /** Interval between packets, ms (>= 10, i.e. at most 100 pps). */
  intervalMs: number;
  /** Packets to send; or give durationMs (count = durationMs / intervalMs). */
  count?: number;
  durationMs?: number;
  /** A reply later than this counts as lost (default 500 ms). */
  timeoutMs?: number;
  /** ICMP data bytes per packet (fping -b), 0..MAX_PROBE_SIZE; fping's default 56 when absent. */
  sizeBytes?: number;
}

export interface ProbePlan {
  count: number;
  intervalMs: number;
  timeoutMs: number;
  argv: string[];
}

/** Validates the bounds and builds the fping command. Throws RangeError when out of bounds. */
export function planProbe(o: ProbeOptions): ProbePlan {
  const intervalMs = o.intervalMs;
  if (!Number.isInteger(intervalMs) || intervalMs < 1000 / MAX_PPS) {
    throw new RangeError(
      `probe ${o.name}: interval ${intervalMs} ms is above ${MAX_PPS} pps (minimum 10 ms)`,
    );
  }
  const count = o.count ?? (o.durationMs !== undefined ? Math.round(o.durationMs / intervalMs) : Number.NaN);
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`probe ${o.name}: give a positive integer count or a durationMs`);
  }
  if (count * intervalMs > MAX_DURATION_MS) {
    throw new RangeError(
      `probe ${o.name}: ${count} packets every ${intervalMs} ms last ${count * intervalMs} ms, above ${MAX_DURATION_MS} ms`,
    );
  }
  const timeoutMs = o.timeoutMs ?? 500;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 10_000) {
    throw new RangeError(`probe ${o.name}: timeout ${timeoutMs} ms outside 1..10000`);
  }
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(o.toAddress)) {
    throw new RangeError(`probe ${o.name}: ${o.toAddress} is not an IPv4 address`);
  }
  const size = o.sizeBytes;
  if (size !== undefined && !(Number.isInteger(size) && size >= 0 && size <= MAX_PROBE_SIZE)) {
    throw new RangeError(`probe ${o.name}: size ${size} bytes outside 0..${MAX_PROBE_SIZE}`);
  }
  const argv = ["fping", "-4", "-D", "-c", String(count), "-p", String(intervalMs), "-t", String(timeoutMs)];
  if (size !== undefined) argv.push("-b", String(size));
  argv.push(o.toAddress);
  return { count, intervalMs, timeoutMs, argv };
}

export interface FpingReply {
  seq: number;
  /** null: fping reported the packet as timed out. */
  rttMs: number | null;
  /** fping's -D stamp (receive or timeout time), epoch ms; null without -D. */
  at: number | null;
}

const REPLY_RE =
  /^(?:\[(\d+(?:\.\d+)?)\]\s+)?(\S+)\s+:\s+\[(\d+)\],\s+(?:\d+ bytes,\s+([\d.]+) ms|(timed out))/;

/** One per-packet line of fping; null for anything else (summary, ICMP errors, duplicates). */
export function parseFpingLine(line: string): FpingReply | null {
  const m = REPLY_RE.exec(line.trim());
  if (!m) return null;
  const at = m[1] !== undefined ? secondsToMs(m[1]) : null;
  return { seq: Number(m[3]), rttMs: m[5] ? null : Number(m[4]), at };
}

/** `ADDR : xmt/rcv/%loss = 150/99/34%, ...` -> counts. */
export function parseFpingSummary(text: string): { xmt: number; rcv: number } | null {
  const m = /xmt\/rcv\/%loss = (\d+)\/(\d+)\//.exec(text);
  return m ? { xmt: Number(m[1]), rcv: Number(m[2]) } : null;
}

export interface ProbeOutput {
  stdout: string;
  stderr: string;
  /** When fping was started (fallback for the send time of seq 0). */
  spawnedAt: number;
  /** Set when the probe was stopped before fping finished. */
  stoppedAt?: number;
}

/**
 * Builds the stream from fping's output. Seq n was sent at startedAt + n*interval, where
 * startedAt comes from the replies' stamps (receive time - rtt); answered packets keep their
 * own measured send time. Sent = xmt from the summary (or, when killed without one, what the
 * schedule says was sent by stoppedAt); after an early stop, unanswered packets sent less than
 * timeoutMs before it are left out (their fate is unknown).
 */
export function buildProbeStream(o: ProbeOptions, plan: ProbePlan, out: ProbeOutput): ProbeStream {
  const replies = new Map<number, FpingReply>();
  for (const line of out.stdout.split("\n")) {
    const r = parseFpingLine(line);
    if (!r || r.seq >= plan.count) continue;
    const prev = replies.get(r.seq);
    if (!prev || (prev.rttMs === null && r.rttMs !== null)) replies.set(r.seq, r);
  }
  const sendTimes = new Map<number, number>();
  const offsets: number[] = [];
  for (const r of replies.values()) {
    if (r.rttMs === null || r.at === null) continue;
    const sent = r.at - r.rttMs;
    sendTimes.set(r.seq, sent);
    offsets.push(sent - r.seq * plan.intervalMs);
  }
  const startedAt = offsets.length ? median(offsets) : out.spawnedAt;
  const summary = parseFpingSummary(out.stderr);
  let sent = summary ? Math.min(summary.xmt, plan.count) : plan.count;
  let unknownAfter = Number.POSITIVE_INFINITY;
  if (out.stoppedAt !== undefined) {
    if (!summary) sent = Math.min(plan.count, Math.floor((out.stoppedAt - startedAt) / plan.intervalMs) + 1);
    unknownAfter = out.stoppedAt - plan.timeoutMs;
  }
  const maxSeen = Math.max(-1, ...replies.keys());
  sent = Math.max(sent, maxSeen + 1);
  const samples: ProbeStream["samples"] = [];
  for (let seq = 0; seq < sent; seq++) {
    const r = replies.get(seq);
    const t = sendTimes.get(seq) ?? startedAt + seq * plan.intervalMs;
    const rttMs = r?.rttMs ?? null;
    if (rttMs === null && t > unknownAfter) continue;
    samples.push({ seq, t, rttMs });
  }
  return {
    name: o.name,
    from: o.from,
    to: o.to,
    toAddress: o.toAddress,
    intervalMs: plan.intervalMs,
    startedAt,
    samples,
  };
}

/** Runs one bounded fping stream inside a namespace. */
export class ProbeRunner {
  readonly plan: ProbePlan;
  private child: ChildProcess | undefined;
  private result: Promise<ProbeStream> | undefined;
  private stoppedAt: number | undefined;
  private hardStop: NodeJS.Timeout | undefined;

  constructor(readonly options: ProbeOptions) {
    this.plan = planProbe(options);
  }

  /** Starts fping; the stream is complete when `done` resolves. */
  start(): Promise<ProbeStream> {
    if (this.result) return this.result;
    const spawnedAt = Date.now();
    const command = inNetns(this.options.netns, this.plan.argv);
    const child = spawn(command[0] as string, command.slice(1), {
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    let stdout = "";
    let stderr = "";
    child.stdout?.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr?.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    // fping ends by itself after count x interval + timeout; never let it outlive that.
    const bound = this.plan.count * this.plan.intervalMs + this.plan.timeoutMs + 5000;
    this.hardStop = setTimeout(() => {
      this.stoppedAt ??= Date.now();
      child.kill("SIGKILL");
    }, bound);
    this.result = new Promise<ProbeStream>((resolve, reject) => {
      child.once("error", (err) => {
        if (this.hardStop) clearTimeout(this.hardStop);
        reject(err);
      });
      child.once("close", (code) => {
        if (this.hardStop) clearTimeout(this.hardStop);
        // fping always ends a -c run with its summary; without one it never ran (no such
        // namespace, bad arguments) or was killed.
        if (this.stoppedAt === undefined && !parseFpingSummary(stderr)) {
          reject(
            new Error(`fping in ${whereLabel(this.options.netns)} failed (exit ${code}): ${stderr.trim()}`),
          );
          return;
        }
        resolve(
          buildProbeStream(this.options, this.plan, {
            stdout,
            stderr,
            spawnedAt,
            ...(this.stoppedAt !== undefined ? { stoppedAt: this.stoppedAt } : {}),
          }),
        );
      });
    });
    return this.result;
  }

  /** Resolves with the stream once fping has finished (starts it if needed). */
  get done(): Promise<ProbeStream> {
    return this.start();
  }

  /** Ends the stream early (SIGINT makes fping print its summary), then returns it. */
  async stop(): Promise<ProbeStream> {
    const result = this.start();
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      this.stoppedAt = Date.now();
      child.kill("SIGINT");
      const finished = await Promise.race([
        result.then(
          () => true,
          () => true,
        ),
        sleep(1000).then(() => false),
      ]);
      if (!finished) child.kill("SIGKILL");
    }
    return result;
  }
}

/** Starts a probe and waits for it to finish. */
export function runProbe(o: ProbeOptions): Promise<ProbeStream> {
  return new ProbeRunner(o).start();
}

/** Runs of at least minLost consecutive lost packets. end = send time of the next answered packet. */
export function computeOutages(stream: ProbeStream, minLost = 2): Outage[] {
  const outages: Outage[] = [];
  const s = [...stream.samples].sort((a, b) => a.seq - b.seq);
  let i = 0;
  while (i < s.length) {
    const first = s[i];
    if (!first || first.rttMs !== null) {
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < s.length && s[j + 1]?.rttMs === null) j++;
    const last = s[j] ?? first;
    const next = s[j + 1];
    const lost = j - i + 1;
    if (lost >= minLost) {
      outages.push({
        stream: stream.name,
        start: first.t,
        end: next ? next.t : last.t + stream.intervalMs,
        lost,
      });
    }
    i = j + 1;
  }
  return outages;
}

/** Lost packets in percent of those sent; null when nothing was sent. */
export function lossPct(stream: ProbeStream): number | null {
  const n = stream.samples.length;
  if (n === 0) return null;
  return (100 * stream.samples.filter((x) => x.rttMs === null).length) / n;
}

export interface RttStats {
  count: number;
  min: number;
  avg: number;
  p50: number;
  p95: number;
  max: number;
}

/** Round-trip statistics of the answered packets (nearest-rank percentiles); null when none. */
export function rttStats(stream: ProbeStream): RttStats | null {
  const v = stream.samples.flatMap((x) => (x.rttMs === null ? [] : [x.rttMs])).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const rank = (p: number) =>
    v[Math.min(v.length - 1, Math.max(0, Math.ceil((p / 100) * v.length) - 1))] ?? 0;
  return {
    count: v.length,
    min: v[0] ?? 0,
    avg: v.reduce((a, b) => a + b, 0) / v.length,
    p50: rank(50),
    p95: rank(95),
    max: v[v.length - 1] ?? 0,
  };
}

/** "1795673218.37985" -> 1795673218379.85 without the float error of multiplying by 1000. */
function secondsToMs(stamp: string): number {
  const [whole = "0", frac = ""] = stamp.split(".");
  return Number(whole) * 1000 + Number(frac.padEnd(6, "0").slice(0, 6)) / 1000;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}
