// The snapshot diff: each kind of difference found once, matched by identity (a changed next hop
// is one "changed" route), nothing found between equal snapshots, and the names --intent matches.
import test from "ava";
import { diffCount, diffSnapshots } from "../../../lab/diff/compare.ts";
import { differenceNames } from "../../../lab/diff/verdict.ts";
import { normaliseSnapshot } from "../../../lab/snapshot/normalise.ts";
import { sampleSnapshot } from "../snapshot/sample.ts";

const names = (d: ReturnType<typeof diffSnapshots>) => differenceNames(d, [], [], { base: true, head: true });

test("equal snapshots, in any order, differ in nothing", (t) => {
  const a = sampleSnapshot();
  const b = sampleSnapshot();
  b.routers.reverse();
  b.routers[0]?.routes.reverse();
  t.is(diffCount(diffSnapshots(normaliseSnapshot(a), normaliseSnapshot(b))), 0);
  t.is(diffCount(diffSnapshots(a, b)), 0, "matched by identity, not position");
});

test("an export filter on router-home's session to router-mine: the session, export, route, FIB, nodes and reachability", (t) => {
  const base = sampleSnapshot();
  const head = sampleSnapshot();
  const [home, mine] = head.routers;
  if (!home || !mine) throw new Error("sample");
  const s = home.sessions.find((x) => x.protocol === "router_mine");
  if (s) s.exportFilter = "(unnamed)";
  home.exports.router_mine = [];
  mine.routes = mine.routes.filter((r) => r.prefix !== "10.42.3.0/24");
  mine.fib = mine.fib.filter((r) => r.dst !== "10.42.3.0/24");
  mine.exports.sakamoto = [];
  const sakamoto = head.nodes.find((n) => n.node === "sakamoto");
  if (sakamoto) sakamoto.receives = [];
  for (const p of head.reachability) {
    p.icmp = false;
    p.tcp = false;
  }
  const d = diffSnapshots(base, head);
  t.deepEqual(names(d), [
    "session router-home router_mine changed",
    "route router-mine 10.42.3.0/24 router_home removed",
    "export router-home router_mine 10.42.3.0/24 removed",
    "export router-mine sakamoto 10.42.3.0/24 removed",
    "fib router-mine 10.42.3.0/24 removed",
    "node sakamoto receives 10.42.3.0/24 removed",
    "reachability sakamoto-pod1 yuuko-k8s-pod1 icmp lost",
    "reachability sakamoto-pod1 yuuko-k8s-pod1 tcp lost",
    "reachability yuuko-k8s-pod1 sakamoto-pod1 icmp lost",
    "reachability yuuko-k8s-pod1 sakamoto-pod1 tcp lost",
  ]);
  t.deepEqual(d.sessions[0]?.fields, [{ field: "exportFilter", base: "ACCEPT", head: "(unnamed)" }]);
  t.is(d.exports[0]?.peer, "192.168.191.12", "the export names the peer it no longer reaches");
  t.true(d.routes[0]?.best);
});

test("a changed attribute is one changed route with the fields that moved", (t) => {
  const base = sampleSnapshot();
  const head = sampleSnapshot();
  const r = head.routers[1]?.routes.find((x) => x.prefix === "10.42.3.0/24");
  if (r) {
    r.asPath = [64515, 64515, 64514];
    r.localPref = 50;
    r.communities = ["64515:666"];
  }
  const d = diffSnapshots(base, head);
  t.deepEqual(
    d.routes.map((x) => [x.router, x.prefix, x.change, x.fields.map((f) => f.field)]),
    [["router-mine", "10.42.3.0/24", "changed", ["asPath", "communities", "localPref"]]],
  );
});

test("BFD and timers: a session gains BFD and other negotiated timers", (t) => {
  const base = sampleSnapshot();
  const head = sampleSnapshot();
  const s = head.routers[0]?.sessions.find((x) => x.protocol === "router_mine");
  if (s) {
    s.bfd = "Up";
    s.holdTime = 3;
    s.keepalive = 1;
  }
  const d = diffSnapshots(base, head);
  t.deepEqual(d.sessions[0]?.fields, [
    { field: "bfd", base: null, head: "Up" },
    { field: "holdTime", base: 240, head: 3 },
    { field: "keepalive", base: 80, head: 1 },
  ]);
});

test("sessions and routes added; a pod pair only one side has is neither gained nor lost", (t) => {
  const base = sampleSnapshot();
  const head = sampleSnapshot();
  const mine = head.routers[1];
  const [session] = mine?.sessions ?? [];
  const [route] = mine?.routes ?? [];
  if (!mine || !session || !route) throw new Error("sample");
  mine.sessions.push({ ...session, protocol: "kiwi", peer: "192.168.6.82" });
  mine.routes.push({ ...route, prefix: "10.42.2.0/24", protocol: "kiwi" });
  head.reachability.push({
    from: "kiwi-pod1",
    to: "sakamoto-pod1",
    fromNode: "kiwi",
    toNode: "sakamoto",
    icmp: false,
    tcp: false,
  });
  t.deepEqual(names(diffSnapshots(base, head)), [
    "session router-mine kiwi added",
    "route router-mine 10.42.2.0/24 kiwi added",
  ]);
  t.deepEqual(names(diffSnapshots(head, base)), [
    "session router-mine kiwi removed",
    "route router-mine 10.42.2.0/24 kiwi removed",
  ]);
});

test("a lab that converged on one side only is a difference of its own", (t) => {
  const d = diffSnapshots(sampleSnapshot(), sampleSnapshot());
  t.deepEqual(differenceNames(d, [], [], { base: true, head: false }), ["converged yes -> no"]);
});
