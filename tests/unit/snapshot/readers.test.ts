// The snapshot's readers on BIRD's real answers (tests/fixtures/snapshot, captured from a seed
// lab's Router-Mine): what a session, a route and an export become, and that nothing of "when"
// (since, timers left) survives.
import { readFileSync } from "node:fs";
import test from "ava";
import { parseRoutes } from "../../../lab/bird/routes.ts";
import { inLab, labPrefixes } from "../../../lab/snapshot/fib.ts";
import { podPairs } from "../../../lab/snapshot/reachability.ts";
import { exportedRoute, parseCommunities, tableRoute } from "../../../lab/snapshot/routes.ts";
import {
  capabilities,
  parseBfdSessions,
  protocolBlocks,
  routerSessionsFrom,
} from "../../../lab/snapshot/sessions.ts";
import { loadLab } from "../../../lab/topology/load.ts";

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/snapshot/${name}`, import.meta.url), "utf8");
const seed = await loadLab();

test("sessions: peer, AS, state, negotiated timers, graceful restart only when both ends announce it, filters", (t) => {
  const sessions = routerSessionsFrom(fixture("router-mine-protocols-all.txt"), new Map());
  t.deepEqual(
    sessions.map((s) => s.protocol),
    ["router_home", "sakamoto", "nano"],
  );
  const home = sessions.find((s) => s.protocol === "router_home");
  t.deepEqual(home, {
    protocol: "router_home",
    peer: "192.168.191.10",
    peerAs: 64515,
    localAs: 64513,
    state: "Established",
    holdTime: 240,
    keepalive: 80,
    gracefulRestart: true,
    bfd: null,
    importFilter: "ACCEPT",
    exportFilter: "ACCEPT",
  });
  // GoBGP as Cilium configures it does not announce graceful restart to the router.
  const sakamoto = sessions.find((s) => s.protocol === "sakamoto");
  t.is(sakamoto?.gracefulRestart, false);
  t.is(sakamoto?.holdTime, 90);
  t.is(sakamoto?.keepalive, 30);
  t.notRegex(JSON.stringify(sessions), /2026-|\.\d{3}\//, "no since, no timer left");
});

test("sessions: a session not Established has no negotiated timers", (t) => {
  const text = fixture("router-mine-protocols-all.txt").replace(
    /^(router_home\s+BGP\s+---\s+)up(\s+\S+ \S+\s+)Established/m,
    "$1start$2Active",
  );
  const home = routerSessionsFrom(text, new Map()).find((s) => s.protocol === "router_home");
  t.is(home?.state, "Active");
  t.is(home?.holdTime, null);
  t.is(home?.keepalive, null);
});

test("capabilities are read per side, from their own block only", (t) => {
  const block = protocolBlocks(fixture("router-mine-protocols-all.txt")).get("sakamoto") ?? [];
  t.true(capabilities(block, "Local").has("Graceful restart"));
  t.false(capabilities(block, "Neighbor").has("Graceful restart"));
  t.true(capabilities(block, "Neighbor").has("4-octet AS numbers"));
  t.false(capabilities(block, "Neighbor").has("IPv6 nexthop: ipv4"), "details are not capabilities");
});

test("BFD: a session per peer address; BIRD without a BFD protocol means none", (t) => {
  t.deepEqual([...parseBfdSessions(fixture("router-mine-bfd-none.txt"))], []);
  const text = [
    "BIRD 2.0.12 ready.",
    "bfd1:",
    "IP address                Interface  State      Since         Interval  Timeout",
    "192.168.191.10            zt0        Up         2026-12-03 06:44:29.455    0.100    0.500",
  ].join("\n");
  t.deepEqual([...parseBfdSessions(text)], [["192.168.191.10", "Up"]]);
  const sessions = routerSessionsFrom(fixture("router-mine-protocols-all.txt"), parseBfdSessions(text));
  t.is(sessions.find((s) => s.protocol === "router_home")?.bfd, "Up");
  t.is(sessions.find((s) => s.protocol === "nano")?.bfd, null);
});

test("routes: attributes of a BGP route, best or not; a device route has no BGP attributes", (t) => {
  const routes = parseRoutes(fixture("router-mine-route-all.txt")).map(tableRoute);
  const yuuko = routes.find((r) => r.prefix === "10.42.3.0/24");
  t.deepEqual(yuuko, {
    table: "master4",
    prefix: "10.42.3.0/24",
    protocol: "router_home",
    best: true,
    kind: "unicast",
    nextHop: "192.168.191.10",
    iface: "zt0",
    asPath: [64515, 64514],
    origin: "IGP",
    med: null,
    localPref: 100,
    communities: [],
    largeCommunities: [],
  });
  const zt = routes.filter((r) => r.prefix === "192.168.191.0/24");
  t.deepEqual(
    zt.map((r) => [r.protocol, r.best, r.asPath]),
    [
      ["direct1", true, null],
      ["router_home", false, [64515]],
    ],
  );
});

test("exports: prefix, next hop and AS path of what the session announces", (t) => {
  const out = parseRoutes(fixture("router-mine-export-router_home.txt")).map(exportedRoute);
  t.deepEqual(out.map((r) => r.prefix).sort(), [
    "10.42.0.0/24",
    "10.42.1.0/24",
    "100.64.0.0/24",
    "192.168.191.0/24",
    "192.168.6.0/24",
  ]);
  t.false(
    out.some((r) => r.prefix === "10.42.3.0/24"),
    "a route learned from router_home is not sent back",
  );
});

test("communities, standard and large, sorted", (t) => {
  t.deepEqual(parseCommunities("(64514, 200) (64514, 100)"), ["64514:100", "64514:200"]);
  t.deepEqual(parseCommunities("(64514, 1, 2)"), ["64514:1:2"]);
  t.deepEqual(parseCommunities(undefined), []);
});

test("FIB: the lab's ranges and a default route are kept, the runtime's own plumbing is not", (t) => {
  const p = labPrefixes(seed);
  t.true(inLab(p, "10.42.3.0/24"));
  t.true(inLab(p, "192.168.191.0/24"));
  t.true(inLab(p, "192.168.6.0/24"));
  t.true(inLab(p, "0.0.0.0/0"));
  t.false(inLab(p, "100.64.0.0/24"));
  t.false(inLab(p, "10.0.0.0/8"), "a supernet of the pod CIDR is not inside it");
});

test("reachability pairs: the first pod of each node to the first pod of every other node", (t) => {
  const pairs = podPairs(seed);
  t.is(pairs.length, seed.nodes.length * (seed.nodes.length - 1));
  t.true(pairs.every((p) => p.fromNode !== p.toNode));
  t.truthy(pairs.find((p) => p.from === "sakamoto-pod1" && p.to === "yuuko-k8s-pod1"));
});
