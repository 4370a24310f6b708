import test from "ava";
import { BirdParseError } from "../../../lab/bird/errors.ts";
import { parseProtocolDetails, parseProtocols, showProtocolsCommand } from "../../../lab/bird/protocols.ts";
import { LabError } from "../../../lab/util/errors.ts";
import { fixtureReply } from "../../fixtures/bird/load.ts";

// Fixtures are re-capturable (capture.ts), so times are checked by shape, not value.
const LONG_TIME = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/;
const SHORT_TIME = /^\d\d:\d\d:\d\d\.\d{3}$/;

test("show protocols: one row per protocol, long time format", (t) => {
  const rows = parseProtocols(fixtureReply("long-a-protocols").text);
  t.deepEqual(
    rows.map((r) => [r.name, r.proto, r.table, r.state]),
    [
      ["device1", "Device", "---", "up"],
      ["direct1", "Direct", "---", "up"],
      ["yuuko_k8s", "Static", "master4", "up"],
      ["extra", "Static", "master4", "up"],
      ["peer_b", "BGP", "---", "up"],
    ],
  );
  const { since, ...rest } = rows[4] ?? { since: "" };
  t.deepEqual(rest, { name: "peer_b", proto: "BGP", table: "---", state: "up", info: "Established" });
  t.regex(since, LONG_TIME);
  t.is(rows[0]?.info, "");
});

test("show protocols: default short time format", (t) => {
  const rows = parseProtocols(fixtureReply("short-a-protocols").text);
  t.is(rows.length, 5);
  t.regex(rows[4]?.since ?? "", SHORT_TIME);
  t.is(rows[4]?.info, "Established");
});

test("show protocols: a session that went down keeps its error in infoDetail", (t) => {
  const peer = parseProtocols(fixtureReply("long-a-protocols-down").text).find((r) => r.name === "peer_b");
  t.like(peer, {
    state: "start",
    info: "Active",
    infoDetail: "Received: Administrative shutdown",
  });
});

test("show protocols all NAME: BGP details of an Established session", (t) => {
  const p = parseProtocolDetails(fixtureReply("long-b-protocols-all-peer_a").text);
  t.like(p, {
    name: "peer_a",
    proto: "BGP",
    state: "up",
    info: "Established",
    bgpState: "Established",
    neighborAddress: "192.168.250.1",
    neighborAs: 64514,
    localAs: 64515,
    neighborId: "192.168.250.1",
    sourceAddress: "192.168.250.2",
    holdTime: 6,
    keepaliveTime: 2,
    routes: { imported: 6, exported: 0, preferred: 6 },
  });
  t.is(p.lastError, undefined);
  t.true((p.holdTimerLeft ?? -1) >= 0 && (p.holdTimerLeft ?? 99) <= 6);
  t.deepEqual(p.channels, [
    { name: "ipv4", state: "UP", table: "master4", routes: { imported: 6, exported: 0, preferred: 6 } },
  ]);
  t.is(p.details?.Session, "external AS4");
  // Capability lists ("AF announced: ipv4") and the statistics table are not top-level details.
  t.false("AF announced" in (p.details ?? {}));
  t.false("Import updates" in (p.details ?? {}));
});

test("show protocols all NAME: a session that went down", (t) => {
  const p = parseProtocolDetails(fixtureReply("long-a-protocols-all-peer_b-down").text);
  t.like(p, {
    state: "start",
    info: "Active",
    bgpState: "Active",
    neighborAs: 64515,
    localAs: 64514,
    lastError: "Received: Administrative shutdown",
  });
  t.is(p.holdTime, undefined);
  t.is(p.neighborId, undefined);
  t.deepEqual(p.channels, [{ name: "ipv4", state: "DOWN", table: "master4" }]);
  t.is(p.routes, undefined);
});

test("show protocols all NAME: default time format", (t) => {
  const p = parseProtocolDetails(fixtureReply("short-b-protocols-all-peer_a").text);
  t.like(p, { bgpState: "Established", holdTime: 6, keepaliveTime: 2 });
  t.regex(p.since, SHORT_TIME);
});

test("show protocols all: details attach to the right protocol", (t) => {
  const rows = parseProtocols(fixtureReply("long-a-protocols-all").text);
  t.deepEqual(
    rows.map((r) => r.name),
    ["device1", "direct1", "yuuko_k8s", "extra", "peer_b"],
  );
  t.is(rows[0]?.channels, undefined);
  t.deepEqual(rows[2]?.routes, { imported: 2, exported: 0, preferred: 2 });
  t.deepEqual(rows[3]?.routes, { imported: 3, exported: 0, preferred: 3 });
  t.like(rows[4], { bgpState: "Established", neighborAs: 64515, routes: { imported: 0, exported: 6 } });
  t.is(rows[2]?.bgpState, undefined);
});

test("birdc output (welcome line, no codes) parses the same", (t) => {
  const text = fixtureReply("long-a-protocols").text;
  t.deepEqual(parseProtocols(`BIRD 2.0.12 ready.\n${text}\n`), parseProtocols(text));
});

test("route counts with a filtered figure", (t) => {
  const text = [
    "Name       Proto      Table      State  Since         Info",
    "k1         BGP        ---        up     10:00:00.000  Established",
    "  Channel ipv4",
    "    State:          UP",
    "    Routes:         3 imported, 1 filtered, 2 exported, 3 preferred",
  ].join("\n");
  t.deepEqual(parseProtocols(text)[0]?.routes, { imported: 3, filtered: 1, exported: 2, preferred: 3 });
});

test("rejects text that is not a protocol listing", (t) => {
  t.throws(() => parseProtocols("peer_b BGP --- sleeping 10:00:00.000"), { instanceOf: BirdParseError });
  t.throws(() => parseProtocols("    BGP state: Established"), { instanceOf: BirdParseError });
  t.throws(() => parseProtocolDetails(fixtureReply("long-a-protocols").text), { instanceOf: BirdParseError });
});

test("commands quote checked names", (t) => {
  t.is(showProtocolsCommand(), "show protocols");
  t.is(showProtocolsCommand(undefined, true), "show protocols all");
  t.is(showProtocolsCommand("peer_a", true), 'show protocols all "peer_a"');
  // "all" quoted is a pattern for a protocol named all, not the keyword.
  t.is(showProtocolsCommand("all"), 'show protocols "all"');
  for (const bad of ["", "peer a", "peer_a all", '"x"', "1peer", "peer-a", "p*", "x\n"]) {
    t.throws(() => showProtocolsCommand(bad), { instanceOf: LabError }, bad);
  }
});
