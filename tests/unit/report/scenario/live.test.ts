import test from "ava";
import { formatLiveEvent, formatOffset } from "../../../../lab/report/scenario/live.ts";
import type { LabEvent } from "../../../../lab/scenario/types.ts";
import { coldStartReport } from "../../../fixtures/report/cold-start.ts";
import { HOSTILE } from "../../../fixtures/report/hostile.ts";
import { vpnOutageReport } from "../../../fixtures/report/vpn-outage.ts";
import { assertGolden } from "../../../helpers/golden.ts";

const t0 = Date.UTC(2025, 0, 1);
const line = (e: LabEvent) => formatLiveEvent(e, t0);

test("every event of a run, one line each, matches the golden file", (t) => {
  for (const [name, report] of [
    ["vpn-outage", vpnOutageReport],
    ["cold-start", coldStartReport],
  ] as const) {
    const lines = report.results.flatMap((r) => [
      `# ${r.scenario}/${r.variant}`,
      ...r.events.map((e) => formatLiveEvent(e, r.startedAt)),
    ]);
    assertGolden(t, `report/${name}.live.txt`, `${lines.join("\n")}\n`);
  }
});

test("fault, session and route lines read like the brief's examples", (t) => {
  t.is(
    line({ t: t0 + 12_345, kind: "fault", action: "down", target: "link zt" }),
    "[  12.345s] fault   link zt down",
  );
  t.is(
    line({
      t: t0 + 45_001,
      kind: "session",
      owner: "router-mine",
      peer: "router_home",
      state: "down",
      detail: "Hold timer expired",
      source: "bird-log",
    }),
    "[  45.001s] session router-mine/router_home down (Hold timer expired)",
  );
  t.is(
    line({
      t: t0 + 45_003,
      kind: "route",
      router: "router-mine",
      prefix: "10.42.3.0/24",
      change: "del",
      source: "netlink",
    }),
    "[  45.003s] route   router-mine del 10.42.3.0/24",
  );
});

test("polled states are marked, daemon and netlink events are not", (t) => {
  const polled = line({ t: t0, kind: "session", owner: "a", peer: "b", state: "up", source: "poll" });
  const logged = line({ t: t0, kind: "session", owner: "a", peer: "b", state: "up", source: "gobgp" });
  t.true(polled.endsWith("[poll]"));
  t.false(logged.includes("[poll]"));
});

test("failed steps stand out and carry their detail", (t) => {
  t.is(
    line({
      t: t0 + 30_000,
      kind: "step",
      index: 6,
      step: "expect x",
      status: "fail",
      detail: "still Active",
    }),
    "[  30.000s] step    #6 FAIL  expect x: still Active",
  );
});

test("times before the scenario start and past 1000 s keep their sign and digits", (t) => {
  t.is(formatOffset(t0 - 10, t0), "[  -0.010s]");
  t.is(formatOffset(t0 + 1_234_567, t0), "[1234.567s]");
});

test("terminal escapes from daemon messages are shown, not executed", (t) => {
  const out = line({ t: t0, kind: "note", message: HOSTILE });
  t.false(out.includes("\u001b"));
  t.false(out.includes("\u0000"));
  t.true(out.includes("\\x1b[31m"));
});
