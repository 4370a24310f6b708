// What the ZeroTier emulation costs by itself, for `make bench`: one TCP stream between pods of
// two sites (iperf3, bounded in time), and the round trip the relay adds at 1000 packets/s. The
// internet path is set to no delay, jitter or loss while measuring, and reset afterwards.
//
// The relay's added latency is told apart from everything else by pinging the same router twice
// from another site's router: once over zt0 (VXLAN through the relay) and once at the address
// zt0 sends its VXLAN datagrams from (the underlay, plain veths and a bridge, no relay). Half
// the difference is what the relay (and VXLAN) adds to one direction.
import type { LabHandle } from "../runtime/kind.ts";
import { LabError } from "../util/errors.ts";
import { run, type Where } from "../util/exec.ts";

/** One TCP stream for this long: long enough for slow start to be a small part of it. */
export const STREAM_SECONDS = 5;
/** Echo requests per second for the added latency (the load for its 0.3 ms target). */
export const PING_RATE = 1000;
export const PING_COUNT = 3000;

export interface PingFigures {
  sent: number;
  received: number;
  minMs: number;
  avgMs: number;
  maxMs: number;
  mdevMs: number;
  /** Of the replies: steadier than the average on a shared machine, where a few replies wait
   * tens of ms for a CPU. */
  medianMs: number;
}

export interface RelayBench {
  /** Sender and receiver pods, and the sites they are at. */
  stream: { from: string; to: string } | null;
  /** Mbit/s received by one TCP stream over STREAM_SECONDS; null when not measured (why says). */
  tcpMbps: number | null;
  tcpRetransmits: number | null;
  /** Round trip over zt0 (through the relay) and over the plain underlay, at PING_RATE. */
  pingZt: PingFigures | null;
  pingPlain: PingFigures | null;
  /** Half the difference of the median round trips: what the relay adds per direction. */
  relayAddedMsPerDirection: number | null;
  /** Why a figure is missing (a tool, a runtime without a relay). */
  notes: string[];
}

/** ping's reply lines and summary, or null when no reply came. */
export function parsePing(out: string): PingFigures | null {
  const counts = /(\d+) packets transmitted, (\d+) received/.exec(out);
  const rtt = /= ([\d.]+)\/([\d.]+)\/([\d.]+)\/([\d.]+) ms/.exec(out);
  if (!counts || !rtt) return null;
  const each = [...out.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1])).sort((a, b) => a - b);
  return {
    medianMs: each.length ? (each[(each.length - 1) >> 1] as number) : Number(rtt[2]),
    sent: Number(counts[1]),
    received: Number(counts[2]),
    minMs: Number(rtt[1]),
    avgMs: Number(rtt[2]),
    maxMs: Number(rtt[3]),
    mdevMs: Number(rtt[4]),
  };
}

/** iperf3 -J's figures of the receiving side. */
export function parseIperf(json: string): { mbps: number; retransmits: number | null } | null {
  try {
    const r = JSON.parse(json) as {
      end?: { sum_received?: { bits_per_second?: number }; sum_sent?: { retransmits?: number } };
    };
    const bps = r.end?.sum_received?.bits_per_second;
    if (typeof bps !== "number") return null;
    return { mbps: bps / 1e6, retransmits: r.end?.sum_sent?.retransmits ?? null };
  } catch {
    return null;
  }
}

async function ping(where: Where, address: string): Promise<PingFigures | null> {
  const interval = String(1 / PING_RATE);
  const r = await run(["ping", "-n", "-i", interval, "-c", String(PING_COUNT), "-W", "1", address], {
    netns: where,
    allowFailure: true,
    timeoutMs: (PING_COUNT / PING_RATE + 5) * 1000,
  });
  return parsePing(r.stdout);
}

/** The address zt0 sends its VXLAN datagrams from, or null when zt0 is not VXLAN (no relay). */
async function vxlanLocal(where: Where): Promise<string | null> {
  const r = await run(["ip", "-d", "-j", "link", "show", "dev", "zt0"], { netns: where, allowFailure: true });
  if (r.code !== 0) return null;
  const [dev] = JSON.parse(r.stdout) as {
    linkinfo?: { info_kind?: string; info_data?: { local?: string } };
  }[];
  return dev?.linkinfo?.info_kind === "vxlan" ? (dev.linkinfo.info_data?.local ?? null) : null;
}

async function hasIperf3(): Promise<boolean> {
  const r = await run(["iperf3", "--version"], { allowFailure: true }).catch(() => null);
  return r?.code === 0;
}

/** A pod at the first site and a pod at another, with their node's site. */
function crossSitePods(h: LabHandle): { from: string; to: string } | null {
  const withPods = h.lab.nodes.filter((n) => n.pods.length > 0);
  for (const a of withPods)
    for (const b of withPods)
      if (a.site !== b.site) return { from: a.pods[0]?.name as string, to: b.pods[0]?.name as string };
  return null;
}

async function tcpStream(
  h: LabHandle,
  pods: { from: string; to: string },
): Promise<{ mbps: number; retransmits: number | null } | string> {
  const [client, server, address] = await Promise.all([
    h.enter(pods.from),
    h.enter(pods.to),
    h.addressOf(pods.to),
  ]);
  // -1: the server answers one client and exits; timeout bounds it if the client never comes.
  const serving = run(["timeout", String(STREAM_SECONDS + 15), "iperf3", "-s", "-1", "-B", address], {
    netns: server,
    allowFailure: true,
  });
  try {
    for (let attempt = 1; ; attempt++) {
      await new Promise((r) => setTimeout(r, 300)); // the server binds
      const r = await run(
        ["iperf3", "-c", address, "-t", String(STREAM_SECONDS), "-J", "--connect-timeout", "2000"],
        { netns: client, allowFailure: true, timeoutMs: (STREAM_SECONDS + 10) * 1000 },
      );
      const figures = parseIperf(r.stdout);
      if (figures) return figures;
      if (attempt === 3)
        return `iperf3 from ${pods.from} to ${address} failed: ${(r.stderr || r.stdout).trim().slice(0, 300)}`;
    }
  } finally {
    await serving;
  }
}

/** Measures on a converged lab; leaves the internet path as the topology has it. */
export async function benchRelay(h: LabHandle): Promise<RelayBench> {
  const out: RelayBench = {
    stream: crossSitePods(h),
    tcpMbps: null,
    tcpRetransmits: null,
    pingZt: null,
    pingPlain: null,
    relayAddedMsPerDirection: null,
    notes: [],
  };
  const [a, b] = h.lab.routers;
  if (!a || !b) throw new LabError("the relay bench needs two routers");
  await h.faults.linkImpair("both", { delayMs: 0, jitterMs: 0, lossPct: 0 });
  try {
    const [from, to] = await Promise.all([h.enter(a.name), h.enter(b.name)]);
    const underlay = await vxlanLocal(to);
    if (underlay) {
      out.pingZt = await ping(from, b.zerotierAddress);
      out.pingPlain = await ping(from, underlay);
      if (out.pingZt && out.pingPlain)
        out.relayAddedMsPerDirection = (out.pingZt.medianMs - out.pingPlain.medianMs) / 2;
      else out.notes.push(`ping ${a.name} -> ${b.name} got no replies`);
    } else out.notes.push(`zt0 of ${b.name} is not VXLAN through a relay on this runtime: no added latency`);

    if (!out.stream) out.notes.push("no two pods at different sites: no TCP stream");
    else if (!(await hasIperf3())) out.notes.push("iperf3 missing (apt-get install iperf3): no TCP stream");
    else {
      const r = await tcpStream(h, out.stream);
      if (typeof r === "string") out.notes.push(r);
      else {
        out.tcpMbps = r.mbps;
        out.tcpRetransmits = r.retransmits;
      }
    }
  } finally {
    await h.faults.linkReset();
  }
  return out;
}
