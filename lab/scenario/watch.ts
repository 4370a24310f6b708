// The event sources of a scenario run, started together and stopped together: BIRD's log per
// router, `ip monitor route` per router namespace, the node speakers' session states, node
// readiness, ZeroTier's path switches, and the traffic probes. Also a snapshot of the current
// state, so every timeline lane starts known.
import { parseProtocols, showProtocolsCommand } from "../bird/protocols.ts";
import { parseRoutes } from "../bird/routes.ts";
import type { LabHandle } from "../runtime/kind.ts";
import { containsCidr, parseCidr } from "../topology/ipv4.ts";
import type { Lab } from "../topology/model.ts";
import type { ScenarioStep } from "./model.ts";
import { BirdLogContext, BirdLogFollower } from "./sources/bird-log.ts";
import { watchNodes } from "./sources/node-poll.ts";
import { ProbeRunner } from "./sources/probe.ts";
import { RouteMonitor } from "./sources/route-monitor.ts";
import { watchZtPaths } from "./sources/zt-path-poll.ts";
import type { LabEvent, ProbeStream } from "./types.ts";

export interface Watchers {
  stop(): Promise<void>;
  /** Start following a node that joined while the scenario runs. */
  addNode(h: LabHandle, node: string): Promise<void>;
}

type Record = (e: LabEvent) => void;

function inCluster(lab: Lab, prefix: string): boolean {
  const c = parseCidr(prefix);
  return c !== null && containsCidr(lab.cluster.podCidr, c);
}

export async function startWatchers(
  h: LabHandle,
  record: Record,
  opts: { fromStart?: boolean } = {},
): Promise<Watchers> {
  const { lab } = h;
  const stoppers: (() => Promise<void>)[] = [];
  const note = (message: string) => record({ t: Date.now(), kind: "note", message });
  const known = opts.fromStart ? new Map<string, Map<string, "up" | "down">>() : await snapshot(h, record);
  const stopAll = async () => {
    const started = stoppers.splice(0).reverse();
    for (const s of started) await s().catch(() => undefined);
  };
  const watchNode = async (handle: LabHandle, name: string) => {
    stoppers.push(await handle.watchSpeaker(name, record));
  };
  try {
    await startRouterWatchers();
    for (const n of lab.nodes) await watchNode(h, n.name);
    stoppers.push(watchNodes(h, record));
    stoppers.push(watchZtPaths(h, record));
  } catch (err) {
    // Half-started sources would outlive the scenario (followers, monitor processes).
    await stopAll();
    throw err;
  }
  return { stop: stopAll, addNode: watchNode };

  async function startRouterWatchers(): Promise<void> {
    for (const r of lab.routers) {
      // Following from the end: tell the parser which protocols are sessions and their state now.
      const context = new BirdLogContext();
      for (const [proto, state] of known.get(r.name) ?? []) context.assume(proto, state);
      const follower = new BirdLogFollower({
        file: h.birdLogFile(r.name),
        router: r.name,
        onEvent: record,
        context,
        from: opts.fromStart ? 0 : "end",
        onError: (e) => note(`BIRD log of ${r.name}: ${e.message}`),
      });
      await follower.start();
      stoppers.push(() => follower.stop());
      const monitor = new RouteMonitor({
        netns: await h.enter(r.name),
        router: r.name,
        onEvent: record,
        filter: (p) => inCluster(lab, p),
        onError: (e) => note(`route monitor of ${r.name}: ${e.message}`),
      });
      await monitor.start();
      stoppers.push(() => monitor.stop());
    }
  }
}

/**
 * Current session states and cluster routes as events, so lanes start from a known state.
 * Returns the routers' BGP protocol states (router -> protocol -> state).
 */
async function snapshot(h: LabHandle, record: Record): Promise<Map<string, Map<string, "up" | "down">>> {
  const { lab } = h;
  const t = Date.now();
  const states = new Map<string, Map<string, "up" | "down">>();
  for (const r of lab.routers) {
    try {
      const text = await h.bird(r.name, showProtocolsCommand());
      const mine = new Map<string, "up" | "down">();
      states.set(r.name, mine);
      for (const p of parseProtocols(text).filter((x) => x.proto === "BGP")) {
        const state = p.info === "Established" ? "up" : "down";
        mine.set(p.name, state);
        record({ t, kind: "session", owner: r.name, peer: p.name, state, source: "poll" });
      }
    } catch {
      // BIRD down at the start: its lanes stay unknown until it logs.
    }
    const fib = await h.fib(r.name).catch(() => []);
    for (const route of fib.filter((x) => inCluster(lab, x.dst))) {
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
    const sessions = await h
      .speakers(n.name)
      .then((x) => x.flatMap((s) => s.sessions))
      .catch(() => []);
    for (const nb of sessions)
      record({
        t,
        kind: "session",
        owner: n.name,
        peer: nb.address,
        state: nb.state === "established" ? "up" : "down",
        source: "poll",
      });
  }
  return states;
}

/**
 * For a lab that did not exist when the scenario started: when each cluster route entered each
 * router's BIRD table (`show route` with millisecond timestamps); the kernel follows within ms.
 */
export async function routeEventsFromBird(h: LabHandle): Promise<LabEvent[]> {
  const { lab } = h;
  const out: LabEvent[] = [];
  for (const r of lab.routers) {
    for (const route of parseRoutes(await h.bird(r.name, "show route"))) {
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
  }
  return out;
}

export interface RunningProbe {
  name: string;
  stop(): Promise<ProbeStream>;
}

export async function startProbe(
  h: LabHandle,
  step: Extract<ScenarioStep, { kind: "traffic" }>,
): Promise<RunningProbe> {
  const runner = new ProbeRunner({
    name: step.name,
    netns: await h.enter(step.from),
    from: step.from,
    to: step.to,
    toAddress: await h.addressOf(step.to),
    intervalMs: Math.round(1000 / step.rate),
    durationMs: step.durationMs,
    ...(step.size !== undefined ? { sizeBytes: step.size } : {}),
  });
  const done = runner.start();
  // A stream that fails is reported when it is collected, not as an unhandled rejection.
  done.catch(() => undefined);
  return { name: step.name, stop: () => runner.stop() };
}
