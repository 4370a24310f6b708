// The event sources of a scenario run, started together and stopped together: BIRD's log per
// router, `ip monitor route` per router namespace, the node speakers' session states, and the
// traffic probes. Also a snapshot of the current state, so every timeline lane starts known.
import { BirdClient } from "../bird/client.ts";
import { getProtocols } from "../bird/protocols.ts";
import { parseRoutes } from "../bird/routes.ts";
import { gobgpNeighbors } from "../gobgp/cli.ts";
import { gobgpSpeakers } from "../render/gobgp.ts";
import { fibRoutes } from "../runtime/netns/observe.ts";
import { workPaths } from "../runtime/workdir.ts";
import { containsCidr, parseCidr } from "../topology/ipv4.ts";
import type { Lab } from "../topology/model.ts";
import type { ScenarioStep } from "./model.ts";
import { BirdLogContext, BirdLogFollower } from "./sources/bird-log.ts";
import { GobgpWatch } from "./sources/gobgp-watch.ts";
import { ProbeRunner } from "./sources/probe.ts";
import { RouteMonitor } from "./sources/route-monitor.ts";
import { addressOf, namespaceOf } from "./targets.ts";
import type { LabEvent, ProbeStream } from "./types.ts";

export interface Watchers {
  stop(): Promise<void>;
  /** Start following a node that joined while the scenario runs. */
  addNode(lab: Lab, node: string): Promise<void>;
}

type Record = (e: LabEvent) => void;

function inCluster(lab: Lab, prefix: string): boolean {
  const c = parseCidr(prefix);
  return c !== null && containsCidr(lab.cluster.podCidr, c);
}

export async function startWatchers(
  lab: Lab,
  record: Record,
  opts: { fromStart?: boolean } = {},
): Promise<Watchers> {
  const paths = workPaths(lab.name);
  const stoppers: (() => Promise<void>)[] = [];
  const note = (message: string) => record({ t: Date.now(), kind: "note", message });
  const known = opts.fromStart ? new Map<string, Map<string, "up" | "down">>() : await snapshot(lab, record);
  for (const r of lab.routers) {
    // Following from the end: tell the parser which protocols are sessions and their state now.
    const context = new BirdLogContext();
    for (const [proto, state] of known.get(r.name) ?? []) context.assume(proto, state);
    const follower = new BirdLogFollower({
      file: paths.birdLog(r.name),
      router: r.name,
      onEvent: record,
      context,
      from: opts.fromStart ? 0 : "end",
      onError: (e) => note(`BIRD log of ${r.name}: ${e.message}`),
    });
    await follower.start();
    stoppers.push(() => follower.stop());
    const monitor = new RouteMonitor({
      netns: namespaceOf(lab, r.name),
      router: r.name,
      onEvent: record,
      filter: (p) => inCluster(lab, p),
      onError: (e) => note(`route monitor of ${r.name}: ${e.message}`),
    });
    await monitor.start();
    stoppers.push(() => monitor.stop());
  }
  const watchNode = async (l: Lab, name: string) => {
    const node = l.nodes.find((n) => n.name === name);
    for (const s of node ? gobgpSpeakers(node) : []) {
      const w = new GobgpWatch({
        netns: namespaceOf(l, name),
        apiPort: s.apiPort,
        owner: name,
        onEvent: record,
        logFile: `${paths.nodeDir(name)}/gobgpd-${s.instance}.log`,
        onError: (e) => note(`gobgp watch of ${name}: ${e.message}`),
      });
      await w.start();
      stoppers.push(() => w.stop());
    }
  };
  for (const n of lab.nodes) await watchNode(lab, n.name);
  return {
    stop: async () => {
      for (const s of stoppers.reverse()) await s().catch(() => undefined);
    },
    addNode: watchNode,
  };
}

/**
 * Current session states and cluster routes as events, so lanes start from a known state.
 * Returns the routers' BGP protocol states (router -> protocol -> state).
 */
async function snapshot(lab: Lab, record: Record): Promise<Map<string, Map<string, "up" | "down">>> {
  const t = Date.now();
  const states = new Map<string, Map<string, "up" | "down">>();
  const paths = workPaths(lab.name);
  for (const r of lab.routers) {
    let c: BirdClient | undefined;
    try {
      c = await BirdClient.connect(paths.birdSocket(r.name), 2000);
      const mine = new Map<string, "up" | "down">();
      states.set(r.name, mine);
      for (const p of (await getProtocols(c)).filter((x) => x.proto === "BGP")) {
        const state = p.info === "Established" ? "up" : "down";
        mine.set(p.name, state);
        record({ t, kind: "session", owner: r.name, peer: p.name, state, source: "poll" });
      }
    } catch {
      // BIRD down at the start: its lanes stay unknown until it logs.
    } finally {
      c?.close();
    }
    for (const route of (await fibRoutes(namespaceOf(lab, r.name)).catch(() => [])).filter((x) =>
      inCluster(lab, x.dst),
    )) {
      record({
        t,
        kind: "route",
        router: r.name,
        prefix: route.dst,
        change: "add",
        ...(route.gateway ? { via: route.gateway } : {}),
        source: "poll",
      });
    }
  }
  for (const n of lab.nodes) {
    for (const s of gobgpSpeakers(n)) {
      const neighbors = await gobgpNeighbors(namespaceOf(lab, n.name), s.apiPort).catch(() => []);
      for (const nb of neighbors)
        record({
          t,
          kind: "session",
          owner: n.name,
          peer: nb.address,
          state: nb.state === "established" ? "up" : "down",
          source: "poll",
        });
    }
  }
  return states;
}

/**
 * For a lab that did not exist when the scenario started: when each cluster route entered each
 * router's BIRD table (`show route` with millisecond timestamps); the kernel follows within ms.
 */
export async function routeEventsFromBird(lab: Lab): Promise<LabEvent[]> {
  const out: LabEvent[] = [];
  for (const r of lab.routers) {
    let c: BirdClient | undefined;
    try {
      c = await BirdClient.connect(workPaths(lab.name).birdSocket(r.name), 2000);
      for (const route of parseRoutes((await c.request("show route")).text)) {
        if (!route.primary || !inCluster(lab, route.prefix)) continue;
        const t = new Date(route.since.replace(" ", "T")).getTime();
        if (Number.isFinite(t))
          out.push({
            t,
            kind: "route",
            router: r.name,
            prefix: route.prefix,
            change: "add",
            ...(route.nextHops[0] ? { via: route.nextHops[0] } : {}),
            source: "poll",
          });
      }
    } finally {
      c?.close();
    }
  }
  return out;
}

export interface RunningProbe {
  name: string;
  stop(): Promise<ProbeStream>;
}

export function startProbe(lab: Lab, step: Extract<ScenarioStep, { kind: "traffic" }>): RunningProbe {
  const runner = new ProbeRunner({
    name: step.name,
    netns: namespaceOf(lab, step.from),
    from: step.from,
    to: step.to,
    toAddress: addressOf(lab, step.to),
    intervalMs: Math.round(1000 / step.rate),
    durationMs: step.durationMs,
  });
  const done = runner.start();
  // A stream that fails is reported when it is collected, not as an unhandled rejection.
  done.catch(() => undefined);
  return { name: step.name, stop: () => runner.stop() };
}
