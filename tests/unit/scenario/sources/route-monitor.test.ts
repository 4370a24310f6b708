import test from "ava";
import {
  MonitorMessageSplitter,
  parseIpMonitorRoute,
  parseIpTimestamp,
  routeEvent,
} from "../../../../lab/scenario/sources/route-monitor.ts";
import { sourcesFixture } from "../../../fixtures/sources/load.ts";

/** iproute2 stamps local time with microseconds. */
const local = (h: number, m: number, s: number, us: number) =>
  new Date(2026, 10, 26, h, m, s).getTime() + us / 1000;

function messages(text: string): string[] {
  const sp = new MonitorMessageSplitter();
  const out = sp.push(text);
  const last = sp.flush();
  return last ? [...out, last] : out;
}

test("timestamp: local time with microseconds", (t) => {
  t.is(parseIpTimestamp("[2026-11-26T06:07:28.378321]"), local(6, 7, 28, 378321));
  t.is(parseIpTimestamp("2026-11-26T06:07:28.378321"), local(6, 7, 28, 378321));
  t.is(parseIpTimestamp("Thu Nov 26 06:07:28 2026"), null);
});

test("BIRD routes added and deleted (hold timer expiry on the peer)", (t) => {
  const routes = messages(sourcesFixture("ip-monitor-route-holdtimer.txt")).map(parseIpMonitorRoute);
  t.deepEqual(routes, [
    {
      t: local(6, 7, 28, 378321),
      change: "add",
      type: "unicast",
      prefix: "10.42.1.0/24",
      via: "10.99.0.1",
      dev: "eth0",
      proto: "bird",
      table: "main",
    },
    {
      t: local(6, 7, 36, 164444),
      change: "del",
      type: "unicast",
      prefix: "10.42.1.0/24",
      via: "10.99.0.1",
      dev: "eth0",
      proto: "bird",
      table: "main",
    },
  ]);
  const r = routes[1];
  if (!r) return t.fail();
  t.deepEqual(routeEvent(r, "router-mine"), {
    t: local(6, 7, 36, 164444),
    kind: "route",
    router: "router-mine",
    prefix: "10.42.1.0/24",
    change: "del",
    via: "10.99.0.1",
    source: "netlink",
  });
});

test("route kinds: multipath, blackhole, unreachable, host, default, other table", (t) => {
  const routes = messages(sourcesFixture("ip-monitor-route-kinds.txt")).map(parseIpMonitorRoute);
  t.is(routes.length, 13);
  t.deepEqual(
    routes.map((r) => r && [r.change, r.type, r.prefix, r.via ?? "-", r.table]),
    [
      ["add", "unicast", "10.42.9.0/24", "10.99.0.1,10.99.0.5", "main"],
      ["add", "blackhole", "10.42.10.0/24", "-", "main"],
      ["add", "unreachable", "10.42.11.0/24", "-", "main"],
      ["add", "unicast", "10.42.12.7/32", "10.99.0.1", "main"],
      ["add", "unicast", "0.0.0.0/0", "10.99.0.1", "main"],
      ["add", "unicast", "10.42.12.7/32", "10.99.0.5", "main"],
      ["add", "unicast", "10.42.13.0/24", "10.99.0.1", "100"],
      ["del", "unicast", "10.42.9.0/24", "10.99.0.1,10.99.0.5", "main"],
      ["del", "blackhole", "10.42.10.0/24", "-", "main"],
      ["del", "unreachable", "10.42.11.0/24", "-", "main"],
      ["del", "unicast", "10.42.12.7/32", "10.99.0.5", "main"],
      ["del", "unicast", "0.0.0.0/0", "10.99.0.1", "main"],
      ["del", "unicast", "10.42.13.0/24", "10.99.0.1", "100"],
    ],
  );
});

test("kernel routes of the local table, and the link-down case that prints nothing", (t) => {
  const routes = messages(sourcesFixture("ip-monitor-route-bird.txt")).map(parseIpMonitorRoute);
  t.deepEqual(
    routes.map((r) => r && [r.change, r.type, r.prefix, r.table, r.proto ?? "-"]),
    [
      ["del", "unicast", "10.42.1.0/24", "main", "bird"],
      ["add", "unicast", "10.42.1.0/24", "main", "bird"],
      // The link went down at 06:01:18.867: the kernel dropped 10.42.1.0/24 and 10.99.0.0/30
      // without a message; these are their return when it came back up.
      ["add", "unicast", "10.99.0.0/30", "main", "kernel"],
      ["add", "broadcast", "10.99.0.3/32", "local", "kernel"],
      ["add", "unicast", "10.42.1.0/24", "main", "bird"],
      ["del", "unicast", "10.42.1.0/24", "main", "bird"],
      ["add", "unicast", "10.42.1.0/24", "main", "bird"],
    ],
  );
});

test("splitter: continuation lines may arrive in a later chunk", (t) => {
  const text = sourcesFixture("ip-monitor-route-kinds.txt");
  const sp = new MonitorMessageSplitter();
  const got: string[] = [];
  for (let i = 0; i < text.length; i += 7) got.push(...sp.push(text.slice(i, i + 7)));
  const last = sp.flush();
  if (last) got.push(last);
  t.deepEqual(got, messages(text));
  t.is(got[0]?.split("\n").length, 3, "the multipath route keeps its two nexthop lines");
});

test("lines that are not routes give null", (t) => {
  t.is(parseIpMonitorRoute("2: eth0@if2: <BROADCAST,MULTICAST> mtu 1500"), null);
  t.is(parseIpMonitorRoute("[2026-11-26T06:01:18.868048] Deleted fe80::/64 dev eth0"), null, "IPv4 only");
  t.is(parseIpMonitorRoute("[2026-11-26T06:01:18.867805] 2: eth0@if2: <BROADCAST,MULTICAST> mtu 1500"), null);
});
