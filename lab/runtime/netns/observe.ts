// Reading the live state of a netns lab: BGP sessions from BIRD's control socket and gobgpd's
// API, routes from the kernel FIBs, reachability by ping and TCP. Pure readers, no changes.
import { BirdClient } from "../../bird/client.ts";
import { getProtocols, type ProtocolInfo } from "../../bird/protocols.ts";
import { type GobgpNeighbor, gobgpNeighbors } from "../../gobgp/cli.ts";
import { gobgpSpeakers } from "../../render/gobgp.ts";
import type { Lab } from "../../topology/model.ts";
import { run, type Where } from "../../util/exec.ts";
import { type FibRoute, parseIpRouteJson } from "../convergence.ts";

export type { FibRoute };

import { nsName } from "./plan.ts";

export interface RouterSessions {
  router: string;
  reachable: boolean;
  error?: string;
  protocols: ProtocolInfo[];
}

export async function routerProtocols(router: string, socket: string): Promise<RouterSessions> {
  let client: BirdClient | undefined;
  try {
    client = await BirdClient.connect(socket, 2000);
    return { router, reachable: true, protocols: await getProtocols(client, true) };
  } catch (err) {
    return { router, reachable: false, error: (err as Error).message, protocols: [] };
  } finally {
    client?.close();
  }
}

export interface NodeSessions {
  node: string;
  instance: string;
  localAs: number;
  reachable: boolean;
  error?: string;
  neighbors: GobgpNeighbor[];
}

export async function nodeSessions(lab: Lab): Promise<NodeSessions[]> {
  const all = lab.nodes.flatMap((n) => gobgpSpeakers(n).map((s) => ({ n, s })));
  return Promise.all(
    all.map(async ({ n, s }) => {
      const base = {
        node: n.name,
        instance: s.instance,
        localAs: n.bgp?.instances.find((i) => i.name === s.instance)?.localASN ?? 0,
      };
      try {
        return {
          ...base,
          reachable: true,
          neighbors: await gobgpNeighbors(nsName(lab.name, n.name), s.apiPort),
        };
      } catch (err) {
        return { ...base, reachable: false, error: (err as Error).message, neighbors: [] };
      }
    }),
  );
}

export async function fibRoutes(ns: Where): Promise<FibRoute[]> {
  return parseIpRouteJson(
    (await run(["ip", "-j", "-4", "route", "show"], { netns: ns, timeoutMs: 3000 })).stdout,
  );
}

export interface PingResult {
  sent: number;
  received: number;
  lossPct: number;
  rttAvgMs: number | null;
  output: string;
}

/** A bounded ping: `count` packets `intervalS` apart, each waiting at most 1 s. */
export async function ping(
  ns: Where,
  target: string,
  opts: { count?: number; intervalS?: number; size?: number; dontFragment?: boolean } = {},
): Promise<PingResult> {
  const count = opts.count ?? 3;
  const argv = ["ping", "-n", "-q", "-c", String(count), "-i", String(opts.intervalS ?? 0.2), "-W", "1"];
  if (opts.size !== undefined) argv.push("-s", String(opts.size));
  if (opts.dontFragment) argv.push("-M", "do");
  argv.push(target);
  const r = await run(argv, {
    netns: ns,
    allowFailure: true,
    timeoutMs: (count * (opts.intervalS ?? 0.2) + 3) * 1000,
  });
  const m = /(\d+) packets transmitted, (\d+) received/.exec(r.stdout);
  const rtt = /= [\d.]+\/([\d.]+)\//.exec(r.stdout);
  const sent = Number(m?.[1] ?? count);
  const received = Number(m?.[2] ?? 0);
  return {
    sent,
    received,
    lossPct: sent ? (100 * (sent - received)) / sent : 100,
    rttAvgMs: rtt ? Number(rtt[1]) : null,
    output: `${r.stdout}${r.stderr}`.trim(),
  };
}

/** An HTTP GET over a plain TCP connection from inside a namespace; the body, or null. */
export async function httpGet(
  ns: Where,
  address: string,
  port: number,
  path: string,
  timeoutS = 2,
): Promise<{ ok: boolean; body: string; error?: string }> {
  // bash's /dev/tcp keeps the probe dependency-free; the address and port are validated values.
  const script = `exec 3<>/dev/tcp/${address}/${port} && printf 'GET ${path} HTTP/1.0\\r\\nHost: ${address}\\r\\n\\r\\n' >&3 && cat <&3`;
  const r = await run(["timeout", String(timeoutS), "bash", "-c", script], {
    netns: ns,
    allowFailure: true,
    timeoutMs: (timeoutS + 2) * 1000,
  });
  const ok = r.code === 0 && /^HTTP\/1\.[01] 200/.test(r.stdout);
  const body = r.stdout
    .split(/\r?\n\r?\n/)
    .slice(1)
    .join("\n\n");
  return ok
    ? { ok, body }
    : { ok, body, error: (r.stderr.trim() || r.stdout.trim() || `exit ${r.code}`).split("\n").slice(-1)[0] };
}
