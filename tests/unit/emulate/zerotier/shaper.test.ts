import test from "ava";
import type { Impairment } from "../../../../lab/emulate/zerotier/impairment.ts";
import { mulberry32 } from "../../../../lab/emulate/zerotier/prng.ts";
import { DirectionShaper, type ShapeDecision } from "../../../../lab/emulate/zerotier/shaper.ts";

/** A shaper on a fake clock (ms) with seeded dice. */
function shaper(impairment: Partial<Impairment>, opts: { seed?: number; queued?: () => number } = {}) {
  const clock = { t: 0 };
  const s = new DirectionShaper({
    random: mulberry32(opts.seed ?? 1),
    now: () => clock.t,
    queued: opts.queued,
    maxQueued: 10,
  });
  s.set(impairment);
  return { s, clock };
}

function departures(d: ShapeDecision): number[] {
  if (d.kind !== "send") throw new Error(`expected send, got drop (${d.reason})`);
  return d.departures;
}

/** Sends `n` packets one every `gapMs`, returning all departures in sending order. */
function stream(
  s: DirectionShaper,
  n: number,
  gapMs: number,
  bytes = 100,
): { sent: number[]; drops: string[] } {
  const sent: number[] = [];
  const drops: string[] = [];
  for (let i = 0; i < n; i++) {
    const d = s.decide(bytes, i * gapMs);
    if (d.kind === "send") sent.push(...d.departures);
    else drops.push(d.reason);
  }
  return { sent, drops };
}

test("no impairment: departs at arrival, counts bytes", (t) => {
  const { s, clock } = shaper({});
  clock.t = 42;
  t.deepEqual(departures(s.decide(1400)), [42]);
  t.deepEqual(s.counters, {
    received: 1,
    forwarded: 1,
    duplicated: 0,
    bytes: 1400,
    dropped: { partition: 0, loss: 0, burst: 0, queue: 0 },
  });
});

test("delay is added to every departure", (t) => {
  const { s } = shaper({ delayMs: 30 });
  t.deepEqual(departures(s.decide(100, 0)), [30]);
  t.deepEqual(departures(s.decide(100, 5)), [35]);
});

test("jitter stays within ±jitter and never reorders when reorder is off", (t) => {
  const { s } = shaper({ delayMs: 50, jitterMs: 20 });
  const { sent } = stream(s, 2000, 1);
  for (let i = 1; i < sent.length; i++) t.true((sent[i] as number) >= (sent[i - 1] as number), `packet ${i}`);
  sent.forEach((at, i) => {
    // Keeping order can only push a departure later, never past the worst-case jitter.
    t.true(at >= i + 30 && at <= i + 70, `packet ${i} departs at ${at}`);
  });
});

test("jitter can reorder when reorder is on", (t) => {
  const { s } = shaper({ delayMs: 50, jitterMs: 20, reorder: true });
  const { sent } = stream(s, 2000, 1);
  const inversions = sent.filter((at, i) => i > 0 && at < (sent[i - 1] as number)).length;
  t.true(inversions > 100, `${inversions} inversions`);
});

test("loss 0% drops nothing and 100% drops everything", (t) => {
  t.is(stream(shaper({ lossPct: 0 }).s, 1000, 1).drops.length, 0);
  const all = shaper({ lossPct: 100 }).s;
  t.is(stream(all, 1000, 1).drops.length, 1000);
  t.is(all.counters.dropped.loss, 1000);
  t.is(all.counters.forwarded, 0);
});

test("loss 10% drops about 10%", (t) => {
  const { s } = shaper({ lossPct: 10 }, { seed: 7 });
  const lost = stream(s, 10_000, 1).drops.length;
  t.true(lost > 900 && lost < 1100, `${lost} lost`);
  t.is(s.counters.received, s.counters.forwarded + s.counters.dropped.loss);
});

/** Mean length of runs of consecutive losses. */
function meanLossRun(s: DirectionShaper, n: number): { mean: number; lost: number } {
  let runs = 0;
  let lost = 0;
  let inRun = false;
  for (let i = 0; i < n; i++) {
    const dropped = s.decide(100, i).kind === "drop";
    if (dropped) lost++;
    if (dropped && !inRun) runs++;
    inRun = dropped;
  }
  return { mean: lost / Math.max(1, runs), lost };
}

test("Gilbert-Elliott loss comes in bursts, unlike random loss at the same rate", (t) => {
  // The --burst 5%,30%,50% example: about 7% loss, in runs of 1.5 on average.
  const ge = shaper(
    { burst: { pEnterBad: 5, pLeaveBad: 30, lossInBadPct: 50, lossInGoodPct: 0 } },
    { seed: 3 },
  ).s;
  const burst = meanLossRun(ge, 20_000);
  t.is(ge.counters.dropped.burst, burst.lost);
  t.true(burst.mean > 1.35, `mean burst ${burst.mean}`);

  const rate = (100 * burst.lost) / 20_000;
  const random = meanLossRun(shaper({ lossPct: rate }, { seed: 3 }).s, 20_000);
  t.true(random.mean < 1.15, `random loss at ${rate}%: mean run ${random.mean}`);
});

test("rate limiting spaces departures by size*8/rate", (t) => {
  // 1250 bytes at 1000 kbit/s is 10 ms on the wire.
  const { s } = shaper({ rateKbit: 1000 });
  const sent = [0, 0, 0, 0, 0].map(() => departures(s.decide(1250, 0))[0]);
  t.deepEqual(sent, [10, 20, 30, 40, 50]);
  // Once the queue has drained, a packet goes at its own pace again.
  t.deepEqual(departures(s.decide(1250, 200)), [210]);
});

test("rate limiting drops when the bottleneck queue (100 ms) is full", (t) => {
  const { s } = shaper({ rateKbit: 1000 });
  const { sent, drops } = stream(s, 20, 0, 1250);
  t.deepEqual(sent, [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
  t.deepEqual(drops, Array(10).fill("queue"));
  t.is(s.counters.dropped.queue, 10);
});

test("an empty rate-limited queue takes a packet longer than its whole buffer", (t) => {
  const { s } = shaper({ rateKbit: 8 }); // 1000 bytes = 1 s
  t.deepEqual(departures(s.decide(1000, 0)), [1000]);
});

test("rate and delay add up", (t) => {
  const { s } = shaper({ rateKbit: 1000, delayMs: 30 });
  t.deepEqual(departures(s.decide(1250, 0)), [40]);
});

test("duplication sends a second copy and counts it", (t) => {
  const { s } = shaper({ duplicatePct: 100, delayMs: 5 });
  t.deepEqual(departures(s.decide(100, 0)), [5, 5]);
  t.is(s.counters.forwarded, 1);
  t.is(s.counters.duplicated, 1);
  t.is(s.counters.bytes, 100);

  const some = shaper({ duplicatePct: 10 }, { seed: 11 }).s;
  const { sent } = stream(some, 10_000, 1);
  t.true(sent.length > 10_800 && sent.length < 11_200, `${sent.length} sent`);
  t.is(sent.length, 10_000 + some.counters.duplicated);
});

test("partition drops everything in its direction only", (t) => {
  const homeToMine = shaper({ down: true }).s;
  const mineToHome = shaper({}).s;
  t.deepEqual(stream(homeToMine, 5, 1).drops, Array(5).fill("partition"));
  t.is(stream(mineToHome, 5, 1).sent.length, 5);
  t.is(homeToMine.counters.dropped.partition, 5);

  homeToMine.set({ down: false });
  t.is(homeToMine.decide(100, 10).kind, "send");
});

test("too many packets already waiting is a queue drop", (t) => {
  let queued = 10;
  const { s } = shaper({ delayMs: 100 }, { queued: () => queued });
  t.deepEqual(s.decide(100, 0), { kind: "drop", reason: "queue" });
  queued = 9;
  t.is(s.decide(100, 0).kind, "send");
});

test("an invalid change is refused and changes nothing", (t) => {
  const { s } = shaper({ delayMs: 10 });
  t.throws(() => s.set({ delayMs: 20, lossPct: 150 }), { message: /lossPct must be <= 100, got 150/ });
  t.is(s.impairment.delayMs, 10);
});

test("the same seed gives the same decisions", (t) => {
  const run = () => stream(shaper({ lossPct: 20, jitterMs: 5, delayMs: 10 }, { seed: 99 }).s, 500, 1);
  t.deepEqual(run(), run());
});
