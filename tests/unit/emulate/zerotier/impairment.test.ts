import test from "ava";
import { formatBytes, formatRelayStatus } from "../../../../lab/emulate/zerotier/format.ts";
import {
  applyImpairment,
  describeImpairment,
  NO_IMPAIRMENT,
  validateImpairment,
} from "../../../../lab/emulate/zerotier/impairment.ts";
import { mulberry32 } from "../../../../lab/emulate/zerotier/prng.ts";
import type { RelayStatus } from "../../../../lab/emulate/zerotier/relay.ts";
import { emptyCounters } from "../../../../lab/emulate/zerotier/shaper.ts";

test("a complete, sensible impairment is valid", (t) => {
  t.deepEqual(validateImpairment(NO_IMPAIRMENT), []);
  t.deepEqual(
    validateImpairment({
      delayMs: 30,
      jitterMs: 5,
      lossPct: 1,
      burst: { pEnterBad: 5, pLeaveBad: 30, lossInBadPct: 50, lossInGoodPct: 0 },
      rateKbit: 10_000,
      duplicatePct: 0.5,
      reorder: true,
      down: false,
    }),
    [],
  );
  t.deepEqual(validateImpairment({}), []);
});

const bad: [string, unknown, string[]][] = [
  ["null", null, ["impairment must be an object, got null"]],
  ["array", [1], ["impairment must be an object, got an array"]],
  ["string", "30ms", ['impairment must be an object, got "30ms"']],
  ["negative delay", { delayMs: -1 }, ["delayMs must be >= 0, got -1"]],
  ["NaN", { jitterMs: Number.NaN }, ["jitterMs must be a finite number, got NaN"]],
  ["infinite", { delayMs: Number.POSITIVE_INFINITY }, ["delayMs must be a finite number, got Infinity"]],
  ["delay as text", { delayMs: "30" }, ['delayMs must be a number, got "30"']],
  ["pct over 100", { lossPct: 101 }, ["lossPct must be <= 100, got 101"]],
  ["negative dup", { duplicatePct: -0.5 }, ["duplicatePct must be >= 0, got -0.5"]],
  ["rate zero", { rateKbit: 0 }, ["rateKbit must be > 0 (null means unlimited), got 0"]],
  ["down as string", { down: "yes" }, ['down must be true or false, got "yes"']],
  [
    "burst incomplete",
    { burst: { pEnterBad: 5, pLeaveBad: 300, lossInBadPct: 50 } },
    ["burst.pLeaveBad must be <= 100, got 300", "burst.lossInGoodPct is missing"],
  ],
  [
    "burst as number",
    { burst: 5 },
    ["burst must be null or an object with pEnterBad, pLeaveBad, lossInBadPct, lossInGoodPct, got 5"],
  ],
  [
    "unknown field",
    { delay: 30 },
    [
      'unknown field "delay" (known: delayMs, jitterMs, reorder, lossPct, burst, rateKbit, duplicatePct, down)',
    ],
  ],
];

for (const [name, input, errors] of bad) {
  test(`invalid: ${name}`, (t) => {
    t.deepEqual(validateImpairment(input), errors);
  });
}

test("garbage never throws", (t) => {
  const hostile = new Proxy(
    {},
    {
      ownKeys() {
        throw new Error("boom");
      },
    },
  );
  t.deepEqual(validateImpairment(hostile), ["impairment could not be read: boom"]);
  for (const g of [undefined, 0, true, Symbol("x"), () => 1, 10n]) t.is(validateImpairment(g).length, 1);
});

test("applyImpairment merges, copies and refuses invalid patches whole", (t) => {
  const burst = { pEnterBad: 1, pLeaveBad: 2, lossInBadPct: 3, lossInGoodPct: 0 };
  const imp = applyImpairment(NO_IMPAIRMENT, { delayMs: 10, burst });
  t.is(imp.delayMs, 10);
  t.not(imp.burst, burst);
  t.deepEqual(imp.burst, burst);
  t.throws(() => applyImpairment(imp, { delayMs: 20, lossPct: -1 }), {
    name: "InvalidImpairmentError",
    message: "invalid impairment: lossPct must be >= 0, got -1",
  });
});

test("describeImpairment", (t) => {
  t.is(describeImpairment(NO_IMPAIRMENT), "none");
  t.is(
    describeImpairment({ ...NO_IMPAIRMENT, delayMs: 30, jitterMs: 5, lossPct: 1 }),
    "delay 30ms ±5ms, loss 1%",
  );
  t.is(
    describeImpairment({
      ...NO_IMPAIRMENT,
      down: true,
      reorder: true,
      burst: { pEnterBad: 5, pLeaveBad: 30, lossInBadPct: 50, lossInGoodPct: 1 },
      rateKbit: 1500,
      duplicatePct: 0.5,
    }),
    "DOWN, reorder, burst 5%/30%/50%/1%, rate 1.5mbit, duplicate 0.5%",
  );
});

test("mulberry32 is reproducible and uniform enough", (t) => {
  const a = mulberry32(42);
  const b = mulberry32(42);
  const xs = Array.from({ length: 10_000 }, () => a());
  t.deepEqual(
    xs.slice(0, 5),
    Array.from({ length: 5 }, () => b()),
  );
  t.true(xs.every((x) => x >= 0 && x < 1));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  t.true(Math.abs(mean - 0.5) < 0.02, `mean ${mean}`);
  t.not(mulberry32(43)(), mulberry32(42)());
});

test("formatRelayStatus shows one row per direction: frames, fragments, drops by reason", (t) => {
  const counters = { ...emptyCounters(), received: 120, forwarded: 100, bytes: 150_000 };
  counters.dropped.loss = 12;
  counters.dropped.queue = 8;
  const status: RelayStatus = {
    listening: { address: "10.0.0.1", port: 9993 },
    peerPort: 9993,
    seed: 42,
    physMtu: 1432,
    rootDelayMs: 20,
    root: {
      address: "10.0.0.3",
      port: 9993,
      ownNamespace: true,
      delayMs: 20,
      forwarded: 7,
      queued: 0,
      refused: 0,
      sendErrors: 0,
    },
    endpoints: [
      { name: "home", address: "10.0.0.2" },
      { name: "mine", address: "10.0.0.6" },
    ],
    directions: [
      {
        direction: "home->mine",
        from: { name: "home", address: "10.0.0.2" },
        to: { name: "mine", address: "10.0.0.6" },
        impairment: { ...NO_IMPAIRMENT, delayMs: 30, jitterMs: 5, lossPct: 1 },
        baseline: { ...NO_IMPAIRMENT, delayMs: 10, jitterMs: 1 },
        counters,
        frames: { received: 70, delivered: 64, evicted: 2, fragmented: 50, deadPath: 3, relayed: 0 },
        path: { via: "direct", lastReceiveAgoMs: 31_400, directWorks: false },
        queued: 3,
        sendErrors: 0,
      },
      {
        direction: "mine->home",
        from: { name: "mine", address: "10.0.0.6" },
        to: { name: "home", address: "10.0.0.2" },
        impairment: { ...NO_IMPAIRMENT },
        baseline: { ...NO_IMPAIRMENT },
        counters: emptyCounters(),
        frames: { received: 0, delivered: 0, evicted: 0, fragmented: 0, deadPath: 0, relayed: 0 },
        path: { via: "relay", lastReceiveAgoMs: 250_000, directWorks: true },
        queued: 0,
        sendErrors: 2,
      },
    ],
    pathChanges: [],
    unknownSources: { count: 4, last: "10.0.0.9:4242" },
  };
  t.is(
    formatRelayStatus(status),
    [
      "relay 10.0.0.1:9993 -> home=10.0.0.2 mine=10.0.0.6 port 9993, seed 42, ZeroTier physical MTU 1432",
      "root 10.0.0.3:9993 (own namespace) +20 ms, relayed 7 frames",
      "DIRECTION   PATH              IMPAIRMENT                FRAMES  FRAGMENTS  DUPLICATED      BYTES  QUEUED  DROPPED",
      "home->mine  DIRECT(dead) 31s  delay 30ms ±5ms, loss 1%   64/70    100/120           0  146.5 KiB       3  loss 12, queue 8, frames-evicted 2, frames-into-dead-path 3",
      "mine->home  RELAY 250s        none                         0/0        0/0           0        0 B       0  send-error 2",
      "topology path (link zt reset returns to it): home->mine delay 10ms ±1ms",
      "unknown sources: 4 datagrams dropped (last from 10.0.0.9:4242)",
    ].join("\n"),
  );
});

test("formatBytes", (t) => {
  t.is(formatBytes(0), "0 B");
  t.is(formatBytes(1023), "1023 B");
  t.is(formatBytes(1536), "1.5 KiB");
  t.is(formatBytes(5 * 1024 ** 3), "5.0 GiB");
});
