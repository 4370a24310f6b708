// The one duration grammar of the lab: a decimal number and a unit, e.g. "90s", "1500ms", "2m",
// "0.5s", ".5s", "500us". A bare number has no unit: what it means (seconds on the command line,
// nothing in a scenario, only "0" for the relay) is the caller's decision, as are the bounds and
// the error it raises, so this stays a pure parser.

const UNIT_MS = { us: 0.001, ms: 1, s: 1000, m: 60_000 } as const;

export type DurationUnit = keyof typeof UNIT_MS;

export type ParsedDuration =
  | { ok: true; value: number; unit: DurationUnit; ms: number }
  | { ok: true; value: number; unit: null; ms: null }
  | { ok: false; why: string };

const DURATION = /^(\d+(?:\.\d+)?|\.\d+)(us|ms|s|m)?$/;

/** Milliseconds (null for a bare number), or why the text is not a duration. */
export function parseDuration(text: string): ParsedDuration {
  const m = DURATION.exec(text);
  if (!m) return { ok: false, why: "not a number followed by us, ms, s or m" };
  const value = Number(m[1]);
  const unit = m[2] as DurationUnit | undefined;
  return unit
    ? { ok: true, value, unit, ms: value * UNIT_MS[unit] }
    : { ok: true, value, unit: null, ms: null };
}
