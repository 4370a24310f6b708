// The normaliser: the same state in any order serialises to the same bytes; a real difference
// survives it.
import { readFileSync } from "node:fs";
import test from "ava";
import fc from "fast-check";
import { compileSchema } from "../../../lab/config/schema-check.ts";
import type { Snapshot } from "../../../lab/snapshot/model.ts";
import { normaliseSnapshot, prefixKey } from "../../../lab/snapshot/normalise.ts";
import { sampleSnapshot } from "./sample.ts";

const shuffled = <T>(xs: readonly T[], seed: number): T[] => {
  const out = [...xs];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
};

function scramble(s: Snapshot, seed: number): Snapshot {
  return {
    version: s.version,
    reachability: shuffled(s.reachability, seed),
    nodes: shuffled(s.nodes, seed + 1).map((n) => ({
      ...n,
      advertises: shuffled(n.advertises, seed + 2),
      receives: shuffled(n.receives, seed + 3),
    })),
    routers: shuffled(s.routers, seed + 4).map((r) => ({
      fib: shuffled(r.fib, seed + 5),
      exports: Object.fromEntries(
        shuffled(Object.entries(r.exports), seed + 6).map(([k, v]) => [k, shuffled(v, seed)]),
      ),
      routes: shuffled(r.routes, seed + 7),
      sessions: shuffled(r.sessions, seed + 8),
      router: r.router,
    })),
  };
}

test("any order of the same state gives the same bytes", (t) => {
  const base = JSON.stringify(normaliseSnapshot(sampleSnapshot()));
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 1_000_000 }), (seed) => {
      return JSON.stringify(normaliseSnapshot(scramble(sampleSnapshot(), seed))) === base;
    }),
  );
  t.pass();
});

test("a changed attribute is not normalised away", (t) => {
  const a = normaliseSnapshot(sampleSnapshot());
  const changed = sampleSnapshot();
  const route = changed.routers[0]?.routes[0];
  if (route) route.localPref = 200;
  t.notDeepEqual(normaliseSnapshot(changed), a);
});

test("prefixes sort by number, not by text", (t) => {
  const sorted = ["10.42.10.0/24", "10.42.3.0/24", "9.0.0.0/8", "10.42.3.0/25"].sort((a, b) =>
    prefixKey(a) < prefixKey(b) ? -1 : 1,
  );
  t.deepEqual(sorted, ["9.0.0.0/8", "10.42.3.0/24", "10.42.3.0/25", "10.42.10.0/24"]);
});

test("a snapshot satisfies its JSON Schema; a wrong one does not", (t) => {
  const schema = JSON.parse(
    readFileSync(new URL("../../../configs/schema/snapshot.schema.json", import.meta.url), "utf8"),
  );
  const validate = compileSchema(schema);
  t.true(validate(normaliseSnapshot(sampleSnapshot())), JSON.stringify(validate.errors));
  const bad = sampleSnapshot() as unknown as { routers: { sessions: { holdTime: unknown }[] }[] };
  const s = bad.routers[0]?.sessions[0];
  if (s) s.holdTime = "240";
  t.false(validate(bad));
});
