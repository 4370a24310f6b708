// What one direction of the emulated ZeroTier path can suffer, its validation and a one-line
// summary. Percentages are 0-100 everywhere (as typed on the command line), times milliseconds.

/** Gilbert-Elliott two-state loss: losses come in bursts while the path is in the bad state. */
export interface BurstLoss {
  /** Chance (%) per packet of going from the good state to the bad one. */
  pEnterBad: number;
  /** Chance (%) per packet of going from the bad state back to the good one. */
  pLeaveBad: number;
  lossInBadPct: number;
  lossInGoodPct: number;
}

export interface Impairment {
  delayMs: number;
  /** Uniform in [-jitterMs, +jitterMs] around delayMs. */
  jitterMs: number;
  /** false keeps departures monotonic per direction, so jitter never reorders (like a real path). */
  reorder: boolean;
  lossPct: number;
  burst: BurstLoss | null;
  /** Bottleneck rate; null is unlimited. */
  rateKbit: number | null;
  duplicatePct: number;
  /** Partition: everything in this direction is dropped. */
  down: boolean;
}

export type ImpairmentPatch = Partial<Impairment>;

export const NO_IMPAIRMENT: Readonly<Impairment> = Object.freeze({
  delayMs: 0,
  jitterMs: 0,
  reorder: false,
  lossPct: 0,
  burst: null,
  rateKbit: null,
  duplicatePct: 0,
  down: false,
});

/** Beyond this a "delay" is a mistake, and the relay would hold that much traffic in memory. */
export const MAX_DELAY_MS = 60_000;
export const MAX_RATE_KBIT = 100_000_000;

export const IMPAIRMENT_FIELDS = Object.keys(NO_IMPAIRMENT) as (keyof Impairment)[];
const BURST_FIELDS: (keyof BurstLoss)[] = ["pEnterBad", "pLeaveBad", "lossInBadPct", "lossInGoodPct"];

export class InvalidImpairmentError extends Error {
  override name = "InvalidImpairmentError";
  constructor(readonly errors: string[]) {
    super(`invalid impairment: ${errors.join("; ")}`);
  }
}

/** Human-readable problems with a (partial) impairment from anywhere (JSON, CLI); [] when fine. */
export function validateImpairment(partial: unknown): string[] {
  try {
    if (!isPlainObject(partial)) return [`impairment must be an object, got ${describe(partial)}`];
    const errors: string[] = [];
    for (const [key, value] of Object.entries(partial)) {
      switch (key) {
        case "delayMs":
        case "jitterMs":
          checkNumber(errors, key, value, 0, MAX_DELAY_MS);
          break;
        case "lossPct":
        case "duplicatePct":
          checkNumber(errors, key, value, 0, 100);
          break;
        case "reorder":
        case "down":
          if (typeof value !== "boolean") errors.push(`${key} must be true or false, got ${describe(value)}`);
          break;
        case "rateKbit":
          if (value !== null && checkNumber(errors, key, value, 0, MAX_RATE_KBIT) && value === 0)
            errors.push("rateKbit must be > 0 (null means unlimited), got 0");
          break;
        case "burst":
          if (value !== null) checkBurst(errors, value);
          break;
        default:
          errors.push(`unknown field ${JSON.stringify(key)} (known: ${IMPAIRMENT_FIELDS.join(", ")})`);
      }
    }
    return errors;
  } catch (err) {
    // A hostile object (throwing getter, proxy) must still give an answer, not an exception.
    return [`impairment could not be read: ${err instanceof Error ? err.message : String(err)}`];
  }
}

/** `base` with `patch` applied; throws InvalidImpairmentError, leaving nothing half-applied. */
export function applyImpairment(base: Readonly<Impairment>, patch: unknown): Impairment {
  const errors = validateImpairment(patch);
  if (errors.length > 0) throw new InvalidImpairmentError(errors);
  const merged = { ...base, ...(patch as ImpairmentPatch) };
  // Copy so that a caller's object never aliases the relay's state.
  merged.burst = merged.burst ? { ...merged.burst } : null;
  return merged;
}

/** "delay 30ms ±5ms, loss 1%"; "none" when nothing is set. */
export function describeImpairment(imp: Readonly<Impairment>): string {
  const parts: string[] = [];
  if (imp.down) parts.push("DOWN");
  if (imp.delayMs > 0 || imp.jitterMs > 0)
    parts.push(`delay ${num(imp.delayMs)}ms${imp.jitterMs > 0 ? ` ±${num(imp.jitterMs)}ms` : ""}`);
  if (imp.reorder) parts.push("reorder");
  if (imp.lossPct > 0) parts.push(`loss ${num(imp.lossPct)}%`);
  if (imp.burst) {
    const b = imp.burst;
    const good = b.lossInGoodPct > 0 ? `/${num(b.lossInGoodPct)}%` : "";
    parts.push(`burst ${num(b.pEnterBad)}%/${num(b.pLeaveBad)}%/${num(b.lossInBadPct)}%${good}`);
  }
  if (imp.rateKbit !== null) parts.push(`rate ${formatRate(imp.rateKbit)}`);
  if (imp.duplicatePct > 0) parts.push(`duplicate ${num(imp.duplicatePct)}%`);
  return parts.length > 0 ? parts.join(", ") : "none";
}

export function formatRate(kbit: number): string {
  if (kbit >= 1_000_000) return `${num(kbit / 1_000_000)}gbit`;
  if (kbit >= 1000) return `${num(kbit / 1000)}mbit`;
  return `${num(kbit)}kbit`;
}

function num(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}

function checkBurst(errors: string[], value: unknown): void {
  if (!isPlainObject(value)) {
    errors.push(`burst must be null or an object with ${BURST_FIELDS.join(", ")}, got ${describe(value)}`);
    return;
  }
  for (const field of BURST_FIELDS) {
    if (!(field in value)) errors.push(`burst.${field} is missing`);
    else checkNumber(errors, `burst.${field}`, value[field], 0, 100);
  }
  for (const key of Object.keys(value)) {
    if (!(BURST_FIELDS as string[]).includes(key))
      errors.push(`unknown field "burst.${key}" (known: ${BURST_FIELDS.join(", ")})`);
  }
}

function checkNumber(
  errors: string[],
  name: string,
  value: unknown,
  min: number,
  max: number,
): value is number {
  if (typeof value !== "number") errors.push(`${name} must be a number, got ${describe(value)}`);
  else if (!Number.isFinite(value)) errors.push(`${name} must be a finite number, got ${value}`);
  else if (value < min) errors.push(`${name} must be >= ${min}, got ${value}`);
  else if (value > max) errors.push(`${name} must be <= ${max}, got ${value}`);
  else return true;
  return false;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object" && v !== null) return "an object";
  if (typeof v === "symbol" || typeof v === "function") return `a ${typeof v}`;
  return String(v);
}
