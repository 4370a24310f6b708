import { appendFile, mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import {
  BirdLogContext,
  BirdLogFollower,
  parseBirdLog,
  parseBirdLogLine,
  splitBirdLogLine,
} from "../../../../lab/scenario/sources/bird-log.ts";
import type { LabEvent } from "../../../../lab/scenario/types.ts";
import { waitFor } from "../../../../lab/util/wait.ts";
import { sourcesFixture } from "../../../fixtures/sources/load.ts";

/** BIRD writes local time: the expected epoch is built in the local zone too. */
const local = (h: number, m: number, s: number, ms: number) => new Date(2026, 10, 26, h, m, s, ms).getTime();

type Session = Extract<LabEvent, { kind: "session" }>;
const sessions = (events: LabEvent[]) => events.filter((e): e is Session => e.kind === "session");
const brief = (e: Session) => [e.peer, e.state, e.detail ?? ""];

test("splits a line into local time, level, protocol and message", (t) => {
  t.deepEqual(splitBirdLogLine("2026-11-26 06:07:32.070 <RMT> router_home: Error: Hold timer expired"), {
    t: local(6, 7, 32, 70),
    level: "RMT",
    protocol: "router_home",
    message: "Error: Hold timer expired",
  });
  t.deepEqual(splitBirdLogLine("2026-11-26 06:07:26.654 <INFO> Started"), {
    t: local(6, 7, 26, 654),
    level: "INFO",
    protocol: null,
    message: "Started",
  });
  t.is(splitBirdLogLine("06:07:26.654 <INFO> Started"), null, "the short time format has no date");
  t.is(splitBirdLogLine("garbage"), null);
  t.is(splitBirdLogLine(""), null);
});

test.serial("timestamps are read in the process's local zone", (t) => {
  const saved = process.env.TZ;
  try {
    process.env.TZ = "UTC";
    const utc = splitBirdLogLine("2026-11-26 06:07:26.654 <INFO> Started")?.t;
    process.env.TZ = "Europe/Prague";
    const prague = splitBirdLogLine("2026-11-26 06:07:26.654 <INFO> Started")?.t;
    t.is(utc, Date.UTC(2026, 10, 26, 6, 7, 26, 654));
    t.is(prague, Date.UTC(2026, 10, 26, 5, 7, 26, 654), "CET is UTC+1 in November");
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
});

test("hold timer expiry: one up, then one down carrying the reason, then the startup-delay note", (t) => {
  const events = parseBirdLog(sourcesFixture("bird-holdtimer-router_home.log"), "router-home");
  t.deepEqual(events, [
    { t: local(6, 7, 26, 654), kind: "note", message: "router-home: Started" },
    {
      t: local(6, 7, 27, 637),
      kind: "session",
      owner: "router-home",
      peer: "router_home",
      state: "up",
      source: "bird-log",
    },
    {
      t: local(6, 7, 32, 70),
      kind: "session",
      owner: "router-home",
      peer: "router_home",
      state: "down",
      detail: "Hold timer expired",
      source: "bird-log",
    },
    {
      t: local(6, 7, 35, 73),
      kind: "note",
      message: "router-home/router_home: Startup delayed by 60 seconds due to errors",
    },
    { t: local(6, 7, 40, 996), kind: "note", message: "router-home: Shutting down" },
    { t: local(6, 7, 41, 1), kind: "note", message: "router-home: Shutdown completed" },
  ]);
});

test("the down is timed at the session loss, not at `State changed to down` 3 s later", (t) => {
  const ev = sessions(parseBirdLog(sourcesFixture("bird-holdtimer-router_mine.log"), "router-mine"));
  t.deepEqual(ev.map(brief), [
    ["router_mine", "up", ""],
    ["router_mine", "down", "Hold timer expired"],
  ]);
  t.is(ev[1]?.t, local(6, 7, 33, 162));
});

test("graceful restart, link down, admin shutdown, BFD: reasons and notes (side a)", (t) => {
  const events = parseBirdLog(sourcesFixture("bird-flaps-a.log"), "a");
  const home = sessions(events).filter((e) => e.peer === "router_home");
  t.deepEqual(home.map(brief), [
    ["router_home", "up", ""],
    ["router_home", "down", "Connection closed; Neighbor graceful restart detected"],
    ["router_home", "up", ""],
    ["router_home", "down", "Link down"],
    ["router_home", "up", ""],
    ["router_home", "down", "Received: Administrative shutdown"],
    ["router_home", "up", ""],
    ["router_home", "down", "Received: Administrative shutdown"],
    ["router_home", "up", ""],
    ["router_home", "down", "Received: Cease"],
    ["router_home", "up", ""],
  ]);
  const nodeC = sessions(events).filter((e) => e.peer === "node_c");
  t.deepEqual(
    nodeC.filter((e) => e.state === "down").map((e) => e.detail),
    [
      "Hold timer expired",
      "Hold timer expired",
      "Received: Administrative reset",
      "Hold timer expired",
      "Link down",
      "Neighbor lost",
    ],
  );
  t.is(nodeC.filter((e) => e.state === "up").length, 7, "the last flap healed too");
  // Only BGP protocols give session events: device1, kernel1 and the static `st` do not.
  t.deepEqual([...new Set(sessions(events).map((e) => e.peer))].sort(), ["node_c", "router_home"]);
  const notes = events.flatMap((e) => (e.kind === "note" ? [e.message] : []));
  t.true(notes.includes("a/router_home: Neighbor graceful restart detected"));
  t.true(notes.includes("a/router_home: Neighbor graceful restart done"));
  t.true(notes.includes("a/bfd1: Session to 10.99.0.2 changed state from Init to Up"));
  t.true(notes.includes("a: Adding protocol node_c"));
  t.false(
    notes.some((n) => n.includes("Connection lost")),
    "failed connection attempts are not notes",
  );
});

test("side b: neighbor lost, disable, daemon shutdown, BFD session down", (t) => {
  const events = parseBirdLog(sourcesFixture("bird-flaps-b.log"), "b");
  t.deepEqual(
    sessions(events).map(brief),
    [
      ["router_mine", "up", ""],
      ["router_mine", "up", ""],
      ["router_mine", "down", "Neighbor lost"],
      ["router_mine", "up", ""],
      ["router_mine", "down", "Shutdown requested"],
      ["router_mine", "up", ""],
      ["router_mine", "down", "Shutdown requested"],
      ["router_mine", "up", ""],
      ["router_mine", "down", "BFD session down"],
      ["router_mine", "up", ""],
    ],
    "the first two ups are two daemon starts (kill -9 then restart: no down in the log)",
  );
  const notes = events.flatMap((e) => (e.kind === "note" ? [e.message] : []));
  t.true(notes.includes("b/bfd1: Session to 10.99.0.1 changed state from Up to Down"));
  t.true(notes.includes("b: Disabling protocol router_mine"));
});

test("context: the same line means different things depending on what came before", (t) => {
  const ctx = new BirdLogContext();
  const L = (s: string) => parseBirdLogLine(`2026-11-26 05:54:19.886 ${s}`, "r", ctx);
  t.is(L("<TRACE> router_mine: State changed to up"), null, "not yet known to be BGP");
  t.like(L("<TRACE> router_mine: BGP session established"), { kind: "session", state: "up" });
  t.is(L("<TRACE> router_mine: State changed to up"), null, "already up");
  t.is(L("<RMT> router_mine: Error: Hold timer expired"), null, "a reason, kept for the down");
  t.like(L("<TRACE> router_mine: State changed to stop"), { state: "down", detail: "Hold timer expired" });
  t.is(L("<TRACE> router_mine: BGP session closed"), null);
  t.is(L("<TRACE> router_mine: State changed to down"), null, "one down per session loss");
  t.like(L("<TRACE> router_mine: Startup delayed by 60 seconds due to errors"), {
    kind: "note",
    message: "r/router_mine: Startup delayed by 60 seconds due to errors",
  });
  t.like(
    L("<RMT> router_mine: Error: Bad peer AS: 64514"),
    { kind: "note" },
    "an error while down is a note",
  );
  t.is(L("<RMT> router_mine: Error: Bad peer AS: 64514"), null, "repeated notes are dropped");
  t.is(ctx.stateOf("router_mine"), "down");
});

test("following from the middle of a log: an unknown state counts as possibly up", (t) => {
  const ctx = new BirdLogContext();
  const L = (s: string) => parseBirdLogLine(`2026-11-26 05:54:19.886 ${s}`, "r", ctx);
  t.is(L("<RMT> router_mine: Error: Hold timer expired"), null);
  t.like(L("<TRACE> router_mine: BGP session closed"), { state: "down", detail: "Hold timer expired" });
  // A protocol seeded from `show protocols` needs no BGP-only line first.
  const seeded = new BirdLogContext();
  seeded.assume("peer_x", "up");
  t.like(parseBirdLogLine("2026-11-26 05:54:19.886 <TRACE> peer_x: State changed to stop", "r", seeded), {
    state: "down",
  });
  // isSession overrides the guess.
  const explicit = new BirdLogContext({ isSession: (p) => p === "st" });
  t.like(parseBirdLogLine("2026-11-26 05:54:19.886 <TRACE> st: State changed to up", "r", explicit), {
    kind: "session",
    peer: "st",
    state: "up",
  });
});

test("graceful restart: `State changed to start` after up is a down", (t) => {
  const ctx = new BirdLogContext();
  const lines = [
    "<TRACE> p: BGP session established",
    "<TRACE> p: Connection closed",
    "<TRACE> p: Neighbor graceful restart detected",
    "<TRACE> p: State changed to start",
    "<TRACE> p: BGP session closed",
  ].map((s) => parseBirdLogLine(`2026-11-26 06:01:15.241 ${s}`, "a", ctx));
  t.like(lines[0], { state: "up" });
  t.is(lines[1], null);
  t.like(lines[2], { kind: "note", message: "a/p: Neighbor graceful restart detected" });
  t.like(lines[3], { state: "down", detail: "Connection closed; Neighbor graceful restart detected" });
  t.is(lines[4], null);
});

test("follower: tails a growing file, keeps partial lines, survives truncation", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "ltsrc-follow-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, "bird.log");
  const lines = sourcesFixture("bird-holdtimer-router_mine.log").split("\n");
  await writeFile(file, `${lines.slice(0, 5).join("\n")}\n`);
  const events: LabEvent[] = [];
  const seen: string[] = [];
  const f = new BirdLogFollower({
    file,
    router: "router-mine",
    from: "end",
    intervalMs: 20,
    onEvent: (e) => events.push(e),
    onLine: (l) => seen.push(l),
  });
  await f.start();
  t.is(seen.length, 0, "from: end skips what was there");
  const rest = lines.slice(5).join("\n");
  const cut = rest.indexOf("BGP session established") + 5;
  await appendFile(file, rest.slice(0, cut));
  await waitFor(async () => seen.length > 0 || "nothing yet", {
    what: "first lines",
    budgetMs: 2000,
    intervalMs: 10,
  });
  t.false(
    seen.some((l) => l.includes("BGP sess")),
    "the partial line waits for its newline",
  );
  await appendFile(file, rest.slice(cut));
  await waitFor(
    async () => events.filter((e) => e.kind === "session").length === 2 || `${events.length} events`,
    {
      what: "up and down",
      budgetMs: 2000,
      intervalMs: 10,
    },
  );
  t.deepEqual(sessions(events).map(brief), [
    ["router_mine", "up", ""],
    ["router_mine", "down", "Hold timer expired"],
  ]);
  // Truncated and rewritten (log rotation by copy-truncate): read again from 0.
  await truncate(file, 0);
  await new Promise((r) => setTimeout(r, 60));
  await writeFile(file, "2026-11-26 07:00:00.000 <INFO> Started\n");
  await waitFor(async () => events.some((e) => e.kind === "note" && e.t === local(7, 0, 0, 0)) || "not yet", {
    what: "line after truncation",
    budgetMs: 2000,
    intervalMs: 10,
  });
  await appendFile(file, "2026-11-26 07:00:01.000 <INFO> Shutting down\n");
  await f.stop();
  t.true(
    events.some((e) => e.kind === "note" && e.message === "router-mine: Shutting down"),
    "stop() reads the rest",
  );
  t.is(
    f.offset,
    Buffer.byteLength(
      "2026-11-26 07:00:00.000 <INFO> Started\n2026-11-26 07:00:01.000 <INFO> Shutting down\n",
    ),
  );
});

test("follower: waits for a file that does not exist yet", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "ltsrc-follow-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, "late.log");
  const events: LabEvent[] = [];
  const f = new BirdLogFollower({ file, router: "r", intervalMs: 20, onEvent: (e) => events.push(e) });
  await f.start();
  await writeFile(file, "2026-11-26 07:00:00.000 <INFO> Started\n");
  await waitFor(async () => events.length === 1 || "not yet", {
    what: "event",
    budgetMs: 2000,
    intervalMs: 10,
  });
  await f.stop();
  t.deepEqual(events, [{ t: local(7, 0, 0, 0), kind: "note", message: "r: Started" }]);
});
