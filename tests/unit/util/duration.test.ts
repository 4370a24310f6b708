// The one duration grammar and how each caller narrows it: the CLI reads a bare number as
// seconds, a scenario needs a unit, the relay takes a bare number only as 0.
import test from "ava";
import { parseDuration as relayDuration } from "../../../lab/emulate/zerotier/args.ts";
import { parseDurationMs } from "../../../lab/scenario/load.ts";
import { parseDuration } from "../../../lab/util/duration.ts";
import { parseDuration as cliDuration, UsageError } from "../../../scripts/cli-kit.ts";

for (const [text, ms] of [
  ["90s", 90_000],
  ["1500ms", 1500],
  ["2m", 120_000],
  ["0.5s", 500],
  [".5s", 500],
  ["500us", 0.5],
] as const) {
  test(`grammar: ${text} is ${ms} ms`, (t) => {
    t.deepEqual(parseDuration(text), { ok: true, ...parsedParts(text), ms });
  });
}

function parsedParts(text: string) {
  const m = /^([\d.]+)(\w+)$/.exec(text) as RegExpExecArray;
  return { value: Number(m[1]), unit: m[2] };
}

test("grammar: a bare number has no unit and no milliseconds", (t) => {
  t.deepEqual(parseDuration("30"), { ok: true, value: 30, unit: null, ms: null });
});

for (const text of ["", "s", "5 minutes", "-5ms", "5h", "1e3ms", " 5s", "5.s", "Infinitys"]) {
  test(`grammar: ${JSON.stringify(text)} is refused with a reason`, (t) => {
    const r = parseDuration(text);
    t.false(r.ok);
    if (!r.ok) t.regex(r.why, /us, ms, s or m/);
  });
}

test("CLI: a bare number is seconds, surrounding blanks are ignored, zero is refused", (t) => {
  t.is(cliDuration("--budget", "90"), 90_000);
  t.is(cliDuration("--budget", " 2m "), 120_000);
  t.throws(() => cliDuration("--budget", "0s"), {
    instanceOf: UsageError,
    message: "--budget: must be positive",
  });
  t.throws(() => cliDuration("--budget", "soon"), {
    instanceOf: UsageError,
    message: '--budget: "soon" is not a duration',
  });
});

test("scenario: a unit is required", (t) => {
  t.is(parseDurationMs("30s"), 30_000);
  t.is(parseDurationMs("5m"), 300_000);
  t.true(Number.isNaN(parseDurationMs("30")));
  t.true(Number.isNaN(parseDurationMs("5 minutes")));
});

test("relay: a bare number only as 0, minutes count against the maximum", (t) => {
  t.is(relayDuration("--delay", "0"), 0);
  t.is(relayDuration("--delay", "1.5s"), 1500);
  t.is(relayDuration("--delay", "0.5m"), 30_000);
  t.throws(() => relayDuration("--delay", "30"), {
    instanceOf: UsageError,
    message: '--delay "30": not a time; use a number with ms, s or us (example: --delay 30ms)',
  });
  t.throws(() => relayDuration("--delay", "2m"), {
    instanceOf: UsageError,
    message: '--delay "2m": more than the maximum of 60s (example: --delay 30ms)',
  });
});
