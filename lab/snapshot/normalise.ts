// The snapshot's one order: every list sorted by what identifies its items and every object's
// keys in a fixed order, so the same state always serialises to the same bytes whatever order
// BIRD, the kernel or the speakers listed it in. Readers drop times (since, timers left); this
// drops ordering.
import type { Snapshot } from "./model.ts";

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Compares by a list of string keys, in order. */
function by<T>(...keys: ((x: T) => string | number | null | undefined)[]) {
  return (a: T, b: T) => {
    for (const k of keys) {
      const d = cmp(String(k(a) ?? ""), String(k(b) ?? ""));
      if (d) return d;
    }
    return 0;
  };
}

/** IPv4 prefixes in numeric order (10.42.3.0/24 before 10.42.10.0/24), others by text. */
export function prefixKey(prefix: string | null | undefined): string {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)(?:\/(\d+))?$/.exec(prefix ?? "");
  if (!m) return `~${prefix ?? ""}`;
  return [m[1], m[2], m[3], m[4], m[5] ?? "32"].map((x) => String(x).padStart(3, "0")).join(".");
}

/** Objects with sorted keys, recursively (arrays keep the order given to them). */
export function canonical<T>(value: T): T {
  if (Array.isArray(value)) return value.map(canonical) as T;
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = canonical((value as Record<string, unknown>)[k]);
    return out as T;
  }
  return value;
}

export function normaliseSnapshot(s: Snapshot): Snapshot {
  const routers = [...s.routers].sort(by((r) => r.router)).map((r) => ({
    ...r,
    sessions: [...r.sessions].sort(by((x) => x.protocol)),
    routes: [...r.routes].sort(
      by(
        (x) => x.table,
        (x) => prefixKey(x.prefix),
        (x) => (x.best ? 0 : 1),
        (x) => x.protocol,
        (x) => x.nextHop,
      ),
    ),
    exports: Object.fromEntries(
      Object.keys(r.exports)
        .sort()
        .map((k) => [
          k,
          [...(r.exports[k] ?? [])].sort(
            by(
              (x) => prefixKey(x.prefix),
              (x) => x.nextHop,
            ),
          ),
        ]),
    ),
    fib: [...r.fib].sort(
      by(
        (x) => prefixKey(x.dst),
        (x) => x.gateway,
        (x) => x.dev,
      ),
    ),
  }));
  const nodes = [...s.nodes].sort(by((n) => n.node)).map((n) => ({
    ...n,
    sessions: [...n.sessions].sort(
      by(
        (x) => x.instance,
        (x) => prefixKey(x.peer),
      ),
    ),
    advertises: [...n.advertises].sort(by(prefixKey)),
    receives: [...n.receives].sort(by(prefixKey)),
  }));
  const reachability = [...s.reachability].sort(
    by(
      (x) => x.from,
      (x) => x.to,
    ),
  );
  return canonical({ version: s.version, routers, nodes, reachability });
}
