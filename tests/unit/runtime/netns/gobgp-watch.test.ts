import test from "ava";
import {
  estimateTransitionTime,
  parseGobgpdLogLine,
  parseMonitorNeighborLine,
  parseNeighborStatus,
  peerDownReason,
} from "../../../../lab/runtime/netns/gobgp-watch.ts";
import { sourcesFixture } from "../../../fixtures/sources/load.ts";

test("neighbor -j: state and the uptime/downtime seconds", (t) => {
  t.deepEqual(parseNeighborStatus(sourcesFixture("gobgp-neighbor-established.json")), [
    { address: "10.99.1.1", state: "established", uptime: 1795673083, downtime: 1795673083 },
  ]);
  t.deepEqual(parseNeighborStatus(sourcesFixture("gobgp-neighbor-down.json")), [
    { address: "10.99.1.1", state: "idle", uptime: 1795673083, downtime: 1795673093 },
  ]);
  t.deepEqual(parseNeighborStatus(sourcesFixture("gobgp-neighbor-reestablished.json")), [
    { address: "10.99.1.1", state: "established", uptime: 1795673105, downtime: 1795673105 },
  ]);
  t.deepEqual(parseNeighborStatus(""), []);
  t.throws(() => parseNeighborStatus('{"error":"context deadline exceeded"}'), {
    message: /context deadline exceeded/,
  });
});

test("monitor neighbor ADDR -j: one state per line", (t) => {
  const states = sourcesFixture("gobgp-monitor-neighbor.jsonl")
    .split("\n")
    .map(parseMonitorNeighborLine)
    .filter((x) => x !== null);
  t.deepEqual(
    states.map((s) => s.state),
    // Hold timer expiry and the way back; then the link cut of a later probe test.
    ["idle", "active", "open_sent", "open_confirm", "established", "idle", "active"],
  );
  t.true(states.every((s) => s.address === "10.99.1.1"));
  t.is(parseMonitorNeighborLine(""), null);
  t.is(parseMonitorNeighborLine("not json {"), null);
  t.is(parseMonitorNeighborLine("{}"), null);
});

test("transition time: the poll window narrowed by GoBGP's second", (t) => {
  const s = 1795673093;
  // Poll window 200 ms wide, straddling the stamp second's start: 100 ms overlap.
  t.is(estimateTransitionTime(s * 1000 - 100, s * 1000 + 100, s), s * 1000 + 50);
  // Window inside the second: the window is the better bound.
  t.is(estimateTransitionTime(s * 1000 + 300, s * 1000 + 500, s), s * 1000 + 400);
  // No overlap (stamp from another transition) or no stamp: middle of the window.
  t.is(estimateTransitionTime(1000, 1200, s), 1100);
  t.is(estimateTransitionTime(1000, 1200, null), 1100);
});

test("gobgpd plain log: records and the reason of a Peer Down", (t) => {
  const log = sourcesFixture("gobgpd-plain.log");
  const rec = parseGobgpdLogLine(
    'time="2026-11-26T06:04:07Z" level=info msg="Peer Down" Key=10.99.1.1 Reason="notification-sent code 6(cease) subcode 4(administrative reset)" State=BGP_FSM_ESTABLISHED Topic=Peer',
  );
  t.deepEqual(rec, {
    t: Date.UTC(2026, 10, 26, 6, 4, 7),
    level: "info",
    msg: "Peer Down",
    fields: {
      Key: "10.99.1.1",
      Reason: "notification-sent code 6(cease) subcode 4(administrative reset)",
      State: "BGP_FSM_ESTABLISHED",
      Topic: "Peer",
    },
  });
  t.is(parseGobgpdLogLine("plain text"), null);
  t.is(peerDownReason(log, "10.99.1.1", Date.UTC(2026, 10, 26, 6, 4, 53, 420)), "hold-timer-expired");
  t.is(
    peerDownReason(log, "10.99.1.1", Date.UTC(2026, 10, 26, 6, 4, 7, 500)),
    "notification-sent code 6(cease) subcode 4(administrative reset)",
  );
  t.is(peerDownReason(log, "10.99.1.1", Date.UTC(2026, 10, 26, 6, 30, 0)), undefined, "none near that time");
  t.is(peerDownReason(log, "10.99.9.9", Date.UTC(2026, 10, 26, 6, 4, 53, 420)), undefined, "other peer");
});
