import test from "ava";
import { axisTicks, timelineSvg } from "../../../../lab/report/scenario/svg.ts";
import { buildTimeline } from "../../../../lab/report/scenario/timeline.ts";
import type { ScenarioResult } from "../../../../lab/scenario/types.ts";
import { at, events, outagesOf, probe } from "../../../fixtures/report/build.ts";
import { coldStartReport } from "../../../fixtures/report/cold-start.ts";
import { HOSTILE, hasForbiddenChars, hostileReport } from "../../../fixtures/report/hostile.ts";
import { interruptedReport } from "../../../fixtures/report/interrupted.ts";
import { vpnOutageReport } from "../../../fixtures/report/vpn-outage.ts";
import { xmlProblems } from "../../../fixtures/report/xml-check.ts";
import { assertGolden } from "../../../helpers/golden.ts";

const results = [...vpnOutageReport.results, ...coldStartReport.results, ...interruptedReport.results];

for (const r of results) {
  test(`${r.scenario}/${r.variant}: the timeline is well-formed and matches the golden file`, (t) => {
    const svg = timelineSvg(r);
    t.deepEqual(xmlProblems(svg), []);
    assertGolden(t, `report/${r.scenario}-${r.variant}.svg`, svg);
  });

  test(`${r.scenario}/${r.variant}: self-contained, with a lane for every session and route`, (t) => {
    const svg = timelineSvg(r);
    t.false(svg.includes("<script"));
    t.false(/href|url\(|<image|<foreignObject|@import/i.test(svg));
    for (const e of r.events) {
      if (e.kind === "session") t.true(svg.includes(`>${e.owner}/${e.peer}</text>`), `${e.owner}/${e.peer}`);
      if (e.kind === "route")
        t.true(svg.includes(`>${e.router} ${e.prefix}</text>`), `${e.router} ${e.prefix}`);
    }
    for (const p of r.probes) t.true(svg.includes(`>${p.name} (`), p.name);
  });
}

test("the same result always renders to the same bytes", (t) => {
  for (const r of results) t.is(timelineSvg(structuredClone(r)), timelineSvg(r));
});

test("title names scenario, variant and status", (t) => {
  const [seed] = vpnOutageReport.results;
  if (!seed) throw new Error("no seed run");
  t.true(timelineSvg(seed).includes("<title>vpn-outage (seed) FAIL: ZeroTier link down for 240 s</title>"));
});

test("session lanes follow the events: unknown, then up, down at the hold expiry, up again", (t) => {
  const [seed] = vpnOutageReport.results;
  if (!seed) throw new Error("no seed run");
  const lane = buildTimeline(seed).sessions.find((l) => l.label === "router-mine/router_home");
  t.deepEqual(
    lane?.spans.map((s) => [s.state, Number(s.from.toFixed(3)), Number(s.to.toFixed(3)), s.note]),
    [
      ["unknown", 0, 0.08, ""],
      ["up", 0.08, 206.334, ""],
      ["down", 206.334, 293.415, "Hold timer expired"],
      ["up", 293.415, 309.5, ""],
    ],
  );
});

test("route lanes: present, absent after the withdrawal, present again with its next hop", (t) => {
  const [seed] = vpnOutageReport.results;
  if (!seed) throw new Error("no seed run");
  const lane = buildTimeline(seed).routes.find((l) => l.label === "router-mine 10.42.3.0/24");
  t.deepEqual(
    lane?.spans.map((s) => [s.state, s.note]),
    [
      ["unknown", ""],
      ["up", "via 192.168.191.10"],
      ["down", ""],
      ["up", "via 192.168.191.10"],
    ],
  );
});

test("probe loss: full-loss bars cover the outage, loss-free bars the rest", (t) => {
  const [seed] = vpnOutageReport.results;
  if (!seed) throw new Error("no seed run");
  const lane = buildTimeline(seed).probes.find((p) => p.stream.name === "mine-to-home");
  const lossy = lane?.bars.filter((b) => b.lost > 0) ?? [];
  t.is<number | undefined, number | undefined>(
    lossy.reduce((n, b) => n + b.lost, 0),
    seed.outages.find((o) => o.stream === "mine-to-home")?.lost,
  );
  t.true(lossy.some((b) => b.lost === b.sent && b.to - b.from > 280));
  t.is(lane?.outages.length, 1);
  t.true((lane?.bars.length ?? 0) < 10, "equal neighbouring buckets are merged");
});

test("axis ticks land on round seconds for runs of 5 to 600 s", (t) => {
  t.deepEqual(axisTicks(5), [0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5]);
  t.deepEqual(axisTicks(309.5), [0, 30, 60, 90, 120, 150, 180, 210, 240, 270, 300]);
  t.deepEqual(axisTicks(600), [0, 60, 120, 180, 240, 300, 360, 420, 480, 540, 600]);
});

test("a 600 s run with 20 lanes stays bounded in size and keeps every lane", (t) => {
  const start = Date.UTC(2025, 0, 1);
  const owners = Array.from({ length: 12 }, (_, i) => `node-${String(i).padStart(2, "0")}`);
  const stream = probe(start, {
    name: "flappy",
    from: "a",
    to: "b",
    toAddress: "10.42.9.9",
    intervalMs: 20,
    begin: 0,
    end: 600,
    lost: Array.from({ length: 30 }, (_, i): [number, number] => [i * 20 + 3, i * 20 + 3.4]),
    rttMs: 1,
  });
  const r: ScenarioResult = {
    scenario: "flap",
    title: "BFD flapping under 20 % loss",
    file: "configs/scenarios/flap.yaml",
    variant: "bfd",
    status: "pass",
    preparation: "reconverged",
    startedAt: start,
    endedAt: at(start, 600),
    steps: [],
    metrics: [],
    events: events(start, [
      ...owners.flatMap((owner, i) =>
        Array.from({ length: 20 }, (_, k) => ({
          kind: "session" as const,
          at: k * 30 + i,
          owner,
          peer: "192.168.6.1",
          state: k % 2 ? ("down" as const) : ("up" as const),
          source: "gobgp" as const,
        })),
      ),
      ...Array.from({ length: 7 }, (_, i) => ({
        kind: "route" as const,
        at: 100 + i,
        router: "router-mine",
        prefix: `10.42.${i}.0/24`,
        change: "del" as const,
        source: "netlink" as const,
      })),
      ...Array.from({ length: 6 }, (_, i) => ({
        kind: "fault" as const,
        at: 200 + i,
        action: "flap",
        target: `link ${i}`,
      })),
    ]),
    probes: [stream],
    outages: outagesOf(stream),
  };
  const svg = timelineSvg(r);
  t.deepEqual(xmlProblems(svg), []);
  for (const o of owners) t.true(svg.includes(`>${o}/192.168.6.1</text>`));
  t.true(svg.length < 200_000, `${svg.length} bytes`);
  const height = Number(/height="([\d.]+)"/.exec(svg)?.[1]);
  t.true(height > 400 && height < 900, `height ${height}`);
  t.true(svg.includes("packets lost per 1 s"));
});

test("hostile names and messages are escaped", (t) => {
  for (const r of hostileReport().results) {
    const svg = timelineSvg(r);
    t.deepEqual(xmlProblems(svg), []);
    t.false(svg.includes("<script"));
    t.false(hasForbiddenChars(svg));
    t.false(svg.includes("\uFFFE"));
    t.true(svg.includes("a&amp;b &lt;script&gt;"));
    t.false(svg.includes(HOSTILE));
  }
});

test("ZeroTier path lanes: direct, relayed from the switch at the relay's time, direct again; legend says so", (t) => {
  const [seed] = vpnOutageReport.results;
  if (!seed) throw new Error("no seed run");
  const t0 = seed.startedAt;
  const zt = (s: number, direction: string, via: "direct" | "relay") => ({
    t: t0 + s * 1000,
    kind: "zt-path" as const,
    direction,
    via,
    source: s === 0 ? ("poll" as const) : ("relay" as const),
  });
  const r: ScenarioResult = {
    ...seed,
    events: [
      ...seed.events,
      zt(0, "home->mine", "direct"),
      zt(0, "mine->home", "direct"),
      zt(250, "home->mine", "relay"),
      zt(250.02, "mine->home", "relay"),
      zt(290, "home->mine", "direct"),
    ],
  };
  const lanes = buildTimeline(r).ztPaths;
  t.deepEqual(
    lanes.map((l) => l.label),
    ["home->mine", "mine->home"],
  );
  t.deepEqual(
    lanes[0]?.spans.map((s) => [s.state, s.from, s.to]),
    [
      ["up", 0, 250],
      ["relayed", 250, 290],
      ["up", 290, 309.5],
    ],
  );
  const svg = timelineSvg(r);
  t.deepEqual(xmlProblems(svg), []);
  t.true(svg.includes("ZeroTier path (from-&gt;to)"));
  t.true(svg.includes("home-&gt;mine: RELAY (through a root) 250.000–290.000 s"));
  t.true(svg.includes("relayed through a root</text>"));
  t.false(timelineSvg(seed).includes("relayed through a root"), "no paths, no legend entry");
});
