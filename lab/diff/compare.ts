// What differs between two snapshots, item by item: sessions, routes per router, what each
// session exports, FIB entries, what crosses each node's session, and pod pairs that gained or
// lost reachability. Items are matched by what identifies them (a route: router, table, prefix,
// protocol), so a changed next hop is one "changed" item, not a removal and an addition.
import type { Snapshot } from "../snapshot/model.ts";
import { prefixKey } from "../snapshot/normalise.ts";

export type Change = "added" | "removed" | "changed";

export interface FieldChange {
  field: string;
  base: unknown;
  head: unknown;
}

export interface SessionDiff {
  /** A router or a node. */
  on: string;
  /** The router's protocol name, or the node's peer address. */
  session: string;
  peer: string | null;
  change: Change;
  fields: FieldChange[];
}

export interface RouteDiff {
  router: string;
  table: string;
  prefix: string;
  protocol: string;
  change: Change;
  /** Whether it is BIRD's best route (head's, or base's for a removed route). */
  best: boolean;
  fields: FieldChange[];
}

export interface ExportDiff {
  router: string;
  /** The BGP protocol that exports (or no longer exports) it. */
  session: string;
  peer: string | null;
  prefix: string;
  change: Change;
  fields: FieldChange[];
}

export interface FibDiff {
  router: string;
  dst: string;
  change: Change;
  fields: FieldChange[];
}

export interface NodeRouteDiff {
  node: string;
  direction: "advertises" | "receives";
  prefix: string;
  change: "added" | "removed";
}

export interface ReachabilityDiff {
  from: string;
  to: string;
  probe: "icmp" | "tcp";
  change: "gained" | "lost";
}

export interface SnapshotDiff {
  sessions: SessionDiff[];
  routes: RouteDiff[];
  exports: ExportDiff[];
  fib: FibDiff[];
  nodeRoutes: NodeRouteDiff[];
  reachability: ReachabilityDiff[];
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The fields of two versions of an item that differ, except the identifying ones. */
export function fieldChanges<T extends object>(
  base: T,
  head: T,
  ignore: readonly string[] = [],
): FieldChange[] {
  const keys = [...new Set([...Object.keys(base), ...Object.keys(head)])]
    .filter((k) => !ignore.includes(k))
    .sort();
  return keys
    .filter((k) => !same((base as Record<string, unknown>)[k], (head as Record<string, unknown>)[k]))
    .map((k) => ({
      field: k,
      base: (base as Record<string, unknown>)[k] ?? null,
      head: (head as Record<string, unknown>)[k] ?? null,
    }));
}

/** Matches two lists by key; one entry per key found on either side, in key order. */
function match<T extends object>(
  base: readonly T[],
  head: readonly T[],
  key: (x: T) => string,
  ignore: readonly string[],
): { key: string; base?: T; head?: T; change: Change; fields: FieldChange[] }[] {
  const b = new Map(base.map((x) => [key(x), x]));
  const h = new Map(head.map((x) => [key(x), x]));
  const keys = [...new Set([...b.keys(), ...h.keys()])].sort();
  const out: { key: string; base?: T; head?: T; change: Change; fields: FieldChange[] }[] = [];
  for (const k of keys) {
    const x = b.get(k);
    const y = h.get(k);
    if (x && y) {
      const fields = fieldChanges(x, y, ignore);
      if (fields.length) out.push({ key: k, base: x, head: y, change: "changed", fields });
    } else if (x) out.push({ key: k, base: x, change: "removed", fields: [] });
    else if (y) out.push({ key: k, head: y, change: "added", fields: [] });
  }
  return out;
}

const byName = <T extends { [k in K]: string }, K extends string>(xs: readonly T[], k: K) =>
  new Map(xs.map((x) => [x[k], x]));

export function diffSnapshots(base: Snapshot, head: Snapshot): SnapshotDiff {
  const out: SnapshotDiff = {
    sessions: [],
    routes: [],
    exports: [],
    fib: [],
    nodeRoutes: [],
    reachability: [],
  };
  const bRouters = byName(base.routers, "router");
  const hRouters = byName(head.routers, "router");
  for (const name of [...new Set([...bRouters.keys(), ...hRouters.keys()])].sort()) {
    const b = bRouters.get(name) ?? { router: name, sessions: [], routes: [], exports: {}, fib: [] };
    const h = hRouters.get(name) ?? { router: name, sessions: [], routes: [], exports: {}, fib: [] };
    for (const m of match(b.sessions, h.sessions, (x) => x.protocol, ["protocol"]))
      out.sessions.push({
        on: name,
        session: m.key,
        peer: (m.head ?? m.base)?.peer ?? null,
        change: m.change,
        fields: m.fields,
      });
    for (const m of match(b.routes, h.routes, (x) => `${x.table}|${prefixKey(x.prefix)}|${x.protocol}`, [
      "table",
      "prefix",
      "protocol",
    ])) {
      const r = m.head ?? m.base;
      if (r)
        out.routes.push({
          router: name,
          table: r.table,
          prefix: r.prefix,
          protocol: r.protocol,
          change: m.change,
          best: r.best,
          fields: m.fields,
        });
    }
    const peers = new Map([...b.sessions, ...h.sessions].map((s) => [s.protocol, s.peer]));
    for (const session of [...new Set([...Object.keys(b.exports), ...Object.keys(h.exports)])].sort())
      for (const m of match(b.exports[session] ?? [], h.exports[session] ?? [], (x) => prefixKey(x.prefix), [
        "prefix",
      ])) {
        const e = m.head ?? m.base;
        if (e)
          out.exports.push({
            router: name,
            session,
            peer: peers.get(session) ?? null,
            prefix: e.prefix,
            change: m.change,
            fields: m.fields,
          });
      }
    for (const m of match(b.fib, h.fib, (x) => prefixKey(x.dst), ["dst"])) {
      const f = m.head ?? m.base;
      if (f) out.fib.push({ router: name, dst: f.dst, change: m.change, fields: m.fields });
    }
  }
  const bNodes = byName(base.nodes, "node");
  const hNodes = byName(head.nodes, "node");
  for (const name of [...new Set([...bNodes.keys(), ...hNodes.keys()])].sort()) {
    const b = bNodes.get(name);
    const h = hNodes.get(name);
    for (const m of match(b?.sessions ?? [], h?.sessions ?? [], (x) => `${x.instance}|${prefixKey(x.peer)}`, [
      "instance",
      "peer",
    ]))
      out.sessions.push({
        on: name,
        session: (m.head ?? m.base)?.peer ?? m.key,
        peer: (m.head ?? m.base)?.peer ?? null,
        change: m.change,
        fields: m.fields,
      });
    for (const direction of ["advertises", "receives"] as const) {
      const bs = new Set(b?.[direction] ?? []);
      const hs = new Set(h?.[direction] ?? []);
      for (const p of [...new Set([...bs, ...hs])].sort((x, y) => (prefixKey(x) < prefixKey(y) ? -1 : 1)))
        if (bs.has(p) !== hs.has(p))
          out.nodeRoutes.push({ node: name, direction, prefix: p, change: hs.has(p) ? "added" : "removed" });
    }
  }
  const bPairs = new Map(base.reachability.map((p) => [`${p.from}|${p.to}`, p]));
  for (const h of head.reachability) {
    // A pair only one side has (a node added or removed) is not a gain or a loss of reachability.
    const b = bPairs.get(`${h.from}|${h.to}`);
    if (!b) continue;
    for (const probe of ["icmp", "tcp"] as const)
      if (b[probe] !== h[probe])
        out.reachability.push({ from: h.from, to: h.to, probe, change: h[probe] ? "gained" : "lost" });
  }
  return out;
}

export function diffCount(d: SnapshotDiff): number {
  return (
    d.sessions.length +
    d.routes.length +
    d.exports.length +
    d.fib.length +
    d.nodeRoutes.length +
    d.reachability.length
  );
}
