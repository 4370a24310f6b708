import test from "ava";
import { BirdParseError } from "../../../lab/bird/errors.ts";
import { parseRoutes, type RouteInfo, showRouteCommand } from "../../../lab/bird/routes.ts";
import { LabError } from "../../../lab/util/errors.ts";
import { fixtureReply } from "../../fixtures/bird/load.ts";

// Fixtures are re-capturable (capture.ts), so times are checked by shape, not value.
const LONG_TIME = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/;
const SHORT_TIME = /^\d\d:\d\d:\d\d\.\d{3}$/;

function byPrefix(routes: RouteInfo[], prefix: string): RouteInfo[] {
  return routes.filter((r) => r.prefix === prefix);
}

test("show route: BGP routes with next hop, interface and origin AS", (t) => {
  const routes = parseRoutes(fixtureReply("long-b-route").text);
  t.is(routes.length, 7);
  const { since, ...rest } = byPrefix(routes, "10.42.5.0/24")[0] ?? { since: "" };
  t.regex(since, LONG_TIME);
  t.deepEqual(rest, {
    table: "master4",
    prefix: "10.42.5.0/24",
    kind: "unicast",
    protocol: "peer_a",
    primary: true,
    preference: 100,
    nextHops: ["192.168.250.1"],
    iface: "eth0",
    hops: [{ gateway: "192.168.250.1", iface: "eth0" }],
    originAs: 64514,
  });
});

test("show route: a second route to the same network has a blank network column", (t) => {
  const routes = byPrefix(parseRoutes(fixtureReply("long-b-route").text), "10.42.3.0/24");
  t.deepEqual(
    routes.map((r) => [r.protocol, r.kind, r.primary, r.preference, r.nextHops]),
    [
      ["peer_a", "unicast", true, 100, ["192.168.250.1"]],
      ["backup", "blackhole", false, 50, []],
    ],
  );
  t.regex(routes[1]?.since ?? "", LONG_TIME);
});

test("show route all: attributes and the full AS path", (t) => {
  const routes = parseRoutes(fixtureReply("long-b-route-all").text);
  t.is(routes.length, 7);
  const prepended = byPrefix(routes, "10.42.4.0/24")[0];
  t.deepEqual(prepended?.asPath, [64514, 64514]);
  t.is(prepended?.originAs, 64514);
  t.deepEqual(prepended?.attributes, {
    Type: "BGP univ",
    "BGP.origin": "IGP",
    "BGP.as_path": "64514 64514",
    "BGP.next_hop": "192.168.250.1",
    "BGP.local_pref": "100",
  });
  const backup = byPrefix(routes, "10.42.3.0/24")[1];
  t.like(backup, { protocol: "backup", attributes: { Type: "static univ" } });
  t.is(backup?.asPath, undefined);
});

test("show route all: static multipath, device, blackhole and unreachable routes", (t) => {
  const routes = parseRoutes(fixtureReply("long-a-route-all").text);
  t.deepEqual(byPrefix(routes, "10.42.5.0/24")[0]?.hops, [
    { gateway: "192.168.250.2", iface: "eth0", weight: 2 },
    { gateway: "192.168.250.1", iface: "eth0", weight: 1 },
  ]);
  t.deepEqual(byPrefix(routes, "10.42.5.0/24")[0]?.nextHops, ["192.168.250.2", "192.168.250.1"]);
  t.like(byPrefix(routes, "10.42.6.0/24")[0], { nextHops: [], iface: "eth0", hops: [{ iface: "eth0" }] });
  t.like(byPrefix(routes, "192.168.250.0/30")[0], { protocol: "direct1", preference: 240, iface: "eth0" });
  t.like(byPrefix(routes, "10.42.7.0/24")[0], { kind: "unreachable", nextHops: [], hops: [] });
  t.like(byPrefix(routes, "10.42.3.0/24")[0], { kind: "blackhole", protocol: "yuuko_k8s" });
  t.is(byPrefix(routes, "10.42.3.0/24")[0]?.originAs, undefined);
});

test("show route for / protocol filters and the default time format", (t) => {
  const forRoutes = parseRoutes(fixtureReply("long-b-route-for").text);
  t.deepEqual(
    forRoutes.map((r) => [r.prefix, r.protocol, r.primary]),
    [
      ["10.42.3.0/24", "peer_a", true],
      ["10.42.3.0/24", "backup", false],
    ],
  );
  const fromPeer = parseRoutes(fixtureReply("long-b-route-protocol").text);
  t.is(fromPeer.length, 6);
  t.true(fromPeer.every((r) => r.protocol === "peer_a" && r.nextHops[0] === "192.168.250.1"));
  const short = parseRoutes(fixtureReply("short-b-route-all").text);
  t.regex(short[0]?.since ?? "", SHORT_TIME);
  t.deepEqual(
    short.map((r) => r.prefix),
    parseRoutes(fixtureReply("long-b-route-all").text).map((r) => r.prefix),
  );
});

test("a source address other than the next hop, and an IGP metric", (t) => {
  const [r] = parseRoutes(
    "Table master4:\n10.1.0.0/16          unicast [ibgp1 10:00:00.000 from 192.0.2.9] * (100/20) [AS65001?]\n" +
      "\tvia 192.0.2.1 on eth1",
  );
  t.like(r, { protocol: "ibgp1", since: "10:00:00.000", from: "192.0.2.9", metric: "20", originAs: 65001 });
});

test("other route summaries: kernel sync error, OSPF type, no origin AS", (t) => {
  const routes = parseRoutes(
    [
      "10.2.0.0/16          unicast [ospf1 10:00:00.000] ! E2 (150/10/10000) [192.0.2.1]",
      "\tvia 192.0.2.1 on eth1",
      "10.3.0.0/16          unicast [ibgp1 10:00:00.000] (100) [i]",
      "\tvia 192.0.2.1 on eth1",
    ].join("\n"),
  );
  t.like(routes[0], { primary: true, preference: 150, metric: "10/10000" });
  t.like(routes[1], { primary: false, preference: 100, originAs: undefined });
});

test("unrecognised lines are errors, not silently dropped", (t) => {
  t.throws(() => parseRoutes("Table master4:\n10.0.0.0/8 something odd"), { instanceOf: BirdParseError });
  t.throws(() => parseRoutes("\tvia 192.0.2.1 on eth0"), { instanceOf: BirdParseError });
  t.throws(() => parseRoutes("10.0.0.0/8    multicast [p 10:00:00.000] * (100)"), {
    instanceOf: BirdParseError,
  });
});

test("showRouteCommand checks every argument", (t) => {
  t.is(showRouteCommand(), "show route");
  t.is(
    showRouteCommand({ for: "10.42.3.5", table: "master4", protocol: "peer_a", primary: true, all: true }),
    "show route for 10.42.3.5 table master4 protocol peer_a primary all",
  );
  t.is(showRouteCommand({ for: "10.42.0.0/16" }), "show route for 10.42.0.0/16");
  t.is(showRouteCommand({ for: "2001:db8::/32" }), "show route for 2001:db8::/32");
  for (const q of [
    { for: "10.42.3.5 all" },
    { for: "10.42.0.0/33" },
    { for: "fe80::1%eth0" },
    { table: "all" },
    { table: "master4 protocol x" },
    { protocol: "peer-a" },
  ]) {
    t.throws(() => showRouteCommand(q), { instanceOf: LabError }, JSON.stringify(q));
  }
});
