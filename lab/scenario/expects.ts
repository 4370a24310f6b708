// Expectations: read the live state once and say whether it matches; the engine polls this
// within the step's budget. A miss returns what was seen, for the report. Runtime-specific
// access (BIRD, namespaces, speakers, addresses) goes through the driver.
import { parseProtocols, showProtocolsCommand } from "../bird/protocols.ts";
import { parseRoutes } from "../bird/routes.ts";
import { ping } from "../observe/probes.ts";
import { tcpConnect } from "../observe/tcp-connect.ts";
import type { LabHandle } from "../runtime/kind.ts";
import type { Expectation } from "./model.ts";

export function describeExpectation(e: Expectation): string {
  switch (e.kind) {
    case "session":
      return `session ${e.on}/${e.peer} ${e.state}`;
    case "route":
      return `${e.prefix}${e.via ? ` via ${e.via}` : ""} ${e.present ? "in" : "absent from"} ${e.on}'s ${e.table === "bird" ? "BIRD table" : "FIB"}`;
    case "ping":
      return `ping ${e.from} -> ${e.to}${e.size !== undefined ? ` size ${e.size}` : ""}${e.dontFragment ? " DF" : ""} ${e.ok ? "answers" : "fails"}`;
    case "tcp":
      return `tcp ${e.from} -> ${e.to}:${e.port} ${e.ok ? "connects" : "fails"}`;
    case "node":
      return `node ${e.name} ${e.ready ? "Ready" : "NotReady"}`;
  }
}

/** true when the expectation holds, else what was seen instead. */
export async function checkExpectation(h: LabHandle, e: Expectation): Promise<true | string> {
  switch (e.kind) {
    case "session": {
      const state = await sessionState(h, e.on, e.peer);
      const established = state === "Established" || state === "established";
      return established === (e.state === "established") || `session ${e.on}/${e.peer} is ${state}`;
    }
    case "route": {
      const via = await routeVia(h, e.on, e.prefix, e.table);
      if (!e.present) return via === null || `${e.prefix} is present on ${e.on} via ${via}`;
      if (via === null) return `${e.prefix} is absent from ${e.on}`;
      return !e.via || via === e.via || `${e.prefix} on ${e.on} is via ${via}, not ${e.via}`;
    }
    case "ping": {
      const r = await ping(await h.enter(e.from), await h.addressOf(e.to), {
        count: 2,
        intervalS: 0.2,
        ...(e.size !== undefined ? { size: e.size } : {}),
        ...(e.dontFragment ? { dontFragment: true } : {}),
      });
      const ok = r.received === r.sent;
      if (e.ok) return ok || `${r.received}/${r.sent} replies`;
      return r.received === 0 || `${r.received}/${r.sent} replies, expected none`;
    }
    case "tcp": {
      const ok = (await tcpConnect(await h.enter(e.from), await h.addressOf(e.to), e.port, 2000)).ok;
      return ok === e.ok || `connect ${ok ? "succeeded" : "failed"}`;
    }
    case "node": {
      if (!h.clusterNodes) return `the ${h.kind.name} runtime cannot read node readiness`;
      const n = (await h.clusterNodes()).find((x) => x.name === e.name);
      // Not registered yet counts as not Ready, as for a node kubectl does not list.
      const ready = n?.ready ?? false;
      return (
        ready === e.ready || `node ${e.name} is ${n ? (ready ? "Ready" : "NotReady") : "not registered"}`
      );
    }
  }
}

export async function sessionState(h: LabHandle, on: string, peer: string): Promise<string> {
  const { lab } = h;
  if (lab.routers.some((r) => r.name === on)) {
    try {
      // All protocols, then by name: a missing name is then an answer, not a BIRD error.
      const text = await h.bird(on, showProtocolsCommand(undefined, true));
      const p = parseProtocols(text).find((x) => x.name === peer);
      return p ? p.info || p.state : `no protocol ${peer}`;
    } catch (err) {
      return `unknown (BIRD not answering: ${(err as Error).message})`;
    }
  }
  if (!lab.nodes.some((n) => n.name === on)) return "no speaker";
  try {
    const nb = (await h.speakers(on)).flatMap((s) => s.sessions).find((x) => x.address === peer);
    return nb ? nb.state : `no neighbor ${peer}`;
  } catch (err) {
    return `unknown (speaker not answering: ${(err as Error).message.split("\n")[0]})`;
  }
}

/** The next hop of a prefix in a router's FIB or BIRD table, or null when absent. */
export async function routeVia(
  h: LabHandle,
  router: string,
  prefix: string,
  table: "fib" | "bird",
): Promise<string | null> {
  if (table === "fib") {
    const r = (await h.fib(router)).find((x) => x.dst === prefix);
    return r ? (r.gateway ?? r.dev ?? "direct") : null;
  }
  try {
    const routes = parseRoutes(await h.bird(router, "show route"));
    const best = routes.find((x) => x.prefix === prefix && x.primary);
    return best ? (best.nextHops[0] ?? best.iface ?? "direct") : null;
  } catch {
    return null;
  }
}

/** The largest IPv4 packet (bytes, headers included) that crosses with do-not-fragment set. */
export async function pathMtu(h: LabHandle, from: string, to: string, max: number): Promise<number> {
  const ns = await h.enter(from);
  const address = await h.addressOf(to);
  const fits = async (packet: number) =>
    (await ping(ns, address, { count: 1, intervalS: 0.2, size: packet - 28, dontFragment: true }))
      .received === 1;
  if (!(await fits(576))) return 0;
  let lo = 576;
  let hi = max + 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (await fits(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}
