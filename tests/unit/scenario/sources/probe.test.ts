import test from "ava";
import {
  buildProbeStream,
  computeOutages,
  lossPct,
  type ProbeOptions,
  parseFpingLine,
  parseFpingSummary,
  planProbe,
  rttStats,
} from "../../../../lab/scenario/sources/probe.ts";
import type { ProbeStream } from "../../../../lab/scenario/types.ts";
import { sourcesFixture } from "../../../fixtures/sources/load.ts";

const opts = (o: Partial<ProbeOptions> = {}): ProbeOptions => ({
  name: "s",
  netns: "ns",
  from: "pod-a",
  to: "pod-b",
  toAddress: "10.99.1.1",
  intervalMs: 20,
  count: 150,
  timeoutMs: 200,
  ...o,
});

function fromFixture(name: string, o: Partial<ProbeOptions> = {}, stoppedAt?: number): ProbeStream {
  const options = opts(o);
  return buildProbeStream(options, planProbe(options), {
    stdout: sourcesFixture(`fping-${name}.out`),
    stderr: sourcesFixture(`fping-${name}.err`),
    spawnedAt: 42,
    ...(stoppedAt !== undefined ? { stoppedAt } : {}),
  });
}

/** A synthetic stream: "." answered (rtt = index), "x" lost. */
function synth(pattern: string, intervalMs = 20, startedAt = 1000): ProbeStream {
  return {
    name: "syn",
    from: "a",
    to: "b",
    toAddress: "10.0.0.1",
    intervalMs,
    startedAt,
    samples: [...pattern].map((c, seq) => ({
      seq,
      t: startedAt + seq * intervalMs,
      rttMs: c === "x" ? null : seq,
    })),
  };
}

test("bounds: at most 100 pps and 15 minutes; the fping command", (t) => {
  t.deepEqual(planProbe(opts({ intervalMs: 10, count: 300, timeoutMs: 100 })).argv, [
    "fping",
    "-4",
    "-D",
    "-c",
    "300",
    "-p",
    "10",
    "-t",
    "100",
    "10.99.1.1",
  ]);
  t.is(planProbe(opts({ count: undefined, durationMs: 3000 })).count, 150);
  t.throws(() => planProbe(opts({ intervalMs: 9 })), { instanceOf: RangeError, message: /100 pps/ });
  t.throws(() => planProbe(opts({ intervalMs: 10, count: 90_001 })), { message: /above 900000 ms/ });
  t.notThrows(() => planProbe(opts({ intervalMs: 10, count: 90_000 })));
  t.throws(() => planProbe(opts({ count: 0 })), { instanceOf: RangeError });
  t.throws(() => planProbe(opts({ count: undefined })), { message: /count or a durationMs/ });
  t.throws(() => planProbe(opts({ toAddress: "10.0.0.1; reboot" })), { message: /not an IPv4/ });
  t.throws(() => planProbe(opts({ timeoutMs: 0 })), { instanceOf: RangeError });
});

test("payload size: fping -b, bounded by a 1500-byte pod packet", (t) => {
  const argv = planProbe(opts({ sizeBytes: 1472 })).argv;
  t.deepEqual(argv.slice(-3), ["-b", "1472", "10.99.1.1"]);
  t.false(planProbe(opts({})).argv.includes("-b"), "fping's default 56 bytes when not given");
  t.deepEqual(planProbe(opts({ sizeBytes: 0 })).argv.slice(-3), ["-b", "0", "10.99.1.1"]);
  t.throws(() => planProbe(opts({ sizeBytes: 1473 })), { instanceOf: RangeError, message: /0\.\.1472/ });
  t.throws(() => planProbe(opts({ sizeBytes: 1.5 })), { instanceOf: RangeError });
});

test("fping lines: replies, timeouts, summary", (t) => {
  t.deepEqual(
    parseFpingLine("[1795673218.15643] 10.99.1.1 : [51], 64 bytes, 0.064 ms (0.066 avg, 0% loss)"),
    {
      seq: 51,
      rttMs: 0.064,
      at: 1795673218156.43,
    },
  );
  t.deepEqual(parseFpingLine("[1795673218.37985] 10.99.1.1 : [52], timed out (0.066 avg, 1% loss)"), {
    seq: 52,
    rttMs: null,
    at: 1795673218379.85,
  });
  t.deepEqual(parseFpingLine("10.99.1.1 : [3], 64 bytes, 177 ms (6.97 avg, 43% loss)"), {
    seq: 3,
    rttMs: 177,
    at: null,
  });
  t.is(parseFpingLine("10.99.1.1 : xmt/rcv/%loss = 150/99/34%, min/avg/max = 0.016/0.052/0.139"), null);
  t.is(parseFpingLine(""), null);
  t.deepEqual(parseFpingSummary(sourcesFixture("fping-cut-src.err")), { xmt: 150, rcv: 99 });
  t.is(parseFpingSummary("nothing"), null);
});

test("no loss: 20 packets, send times from fping's stamps", (t) => {
  const s = fromFixture("ok", { count: 20, timeoutMs: 100 });
  t.is(s.samples.length, 20);
  t.is(lossPct(s), 0);
  t.deepEqual(computeOutages(s), []);
  // seq 0: received at 1795673135.86376 after 0.133 ms.
  t.true(Math.abs(s.startedAt - (1795673135863.76 - 0.133)) < 0.2);
  t.true(
    s.samples.every((x, i) => Math.abs(x.t - (s.startedAt + i * 20)) < 1.5),
    "fping keeps its schedule",
  );
  t.like(rttStats(s), { count: 20, min: 0.046, max: 0.133, p50: 0.064 });
});

test("1 s cut at the source (device down): sends fail silently, 51 lost, outage 1.02 s", (t) => {
  const s = fromFixture("cut-src");
  t.is(s.samples.length, 150);
  t.is(lossPct(s), 34);
  const o = computeOutages(s);
  t.is(o.length, 1);
  const [only] = o;
  t.like(only, { stream: "s", lost: 51 });
  t.true(Math.abs((only?.end ?? 0) - (only?.start ?? 0) - 1020) < 2);
  t.is(s.samples[50]?.rttMs, null);
  t.is(s.samples[101]?.rttMs, 0.07);
});

test("1 s cut at the destination: fping reports time-outs, late replies count as answered", (t) => {
  const s = fromFixture("cut-dst");
  t.is(s.samples.length, 150);
  t.is(s.samples.filter((x) => x.rttMs === null).length, 41);
  const [o] = computeOutages(s);
  t.like(o, { lost: 41 });
  t.like(rttStats(s), { max: 196 }, "packets queued while the neighbour was unresolved");
});

test("nothing answered: every sent packet lost, times from the spawn time", (t) => {
  const s = fromFixture("unreachable", { count: 5 });
  t.is(s.samples.length, 5);
  t.is(lossPct(s), 100);
  t.is(s.startedAt, 42);
  t.deepEqual(computeOutages(s), [{ stream: "s", start: 42, end: 42 + 5 * 20, lost: 5 }]);
  t.is(rttStats(s), null);
});

test("stopped early: packets with unknown fate are left out", (t) => {
  const full = fromFixture("ok", { count: 20, timeoutMs: 100 });
  const stdout = sourcesFixture("fping-ok.out").split("\n").slice(0, 10).join("\n");
  const options = opts({ count: 20, timeoutMs: 100 });
  // Killed without a summary 330 ms after seq 0 (replies 0..9 printed): seqs 0..16 were sent;
  // 10 and 11 were sent more than the 100 ms timeout before the stop, so they are lost; 12..16
  // might still have been answered: left out.
  const s = buildProbeStream(options, planProbe(options), {
    stdout,
    stderr: "",
    spawnedAt: 0,
    stoppedAt: full.startedAt + 330,
  });
  t.deepEqual(
    s.samples.map((x) => x.seq),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
  );
  t.deepEqual(
    s.samples.slice(9).map((x) => x.rttMs),
    [0.059, null, null],
  );
});

test("computeOutages: runs of at least minLost", (t) => {
  const s = synth("..x..xx...xxxx.");
  t.deepEqual(computeOutages(s), [
    { stream: "syn", start: 1000 + 5 * 20, end: 1000 + 7 * 20, lost: 2 },
    { stream: "syn", start: 1000 + 10 * 20, end: 1000 + 14 * 20, lost: 4 },
  ]);
  t.is(computeOutages(s, 1).length, 3);
  t.is(computeOutages(s, 3).length, 1);
  t.deepEqual(
    computeOutages(synth("..xxx")),
    [{ stream: "syn", start: 1040, end: 1100, lost: 3 }],
    "open at the end",
  );
  t.deepEqual(computeOutages(synth("xx..")), [{ stream: "syn", start: 1000, end: 1040, lost: 2 }]);
  t.deepEqual(computeOutages(synth("")), []);
});

test("lossPct and rttStats", (t) => {
  t.is(lossPct(synth("..x.")), 25);
  t.is(lossPct(synth("")), null);
  t.is(rttStats(synth("xxx")), null);
  // rtt = seq for answered packets: 0..19 -> nearest-rank p50 = 9, p95 = 18.
  t.deepEqual(rttStats(synth("....................")), {
    count: 20,
    min: 0,
    avg: 9.5,
    p50: 9,
    p95: 18,
    max: 19,
  });
  t.deepEqual(rttStats(synth("x.")), { count: 1, min: 1, avg: 1, p50: 1, p95: 1, max: 1 });
});
