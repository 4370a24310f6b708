// Command-line words -> a partial impairment and the direction it applies to, e.g.
// `--delay 30ms --jitter 5ms --loss 1% --direction home->mine`. Every error names the flag, the
// bad value and shows an example, because these are typed by hand in the middle of an experiment.
import { parseDuration as parseDurationText } from "../../util/duration.ts";
import { UsageError } from "../../util/errors.ts";
import { type BurstLoss, type Impairment, MAX_DELAY_MS, MAX_RATE_KBIT } from "./impairment.ts";

export interface ImpairmentArgs {
  /** "both" or "from->to". */
  direction: string;
  impairment: Partial<Impairment>;
}

type Target = ImpairmentArgs;

interface FlagSpec {
  example: (names: readonly string[]) => string;
  /** false for a switch such as --reorder. */
  takesValue: boolean;
  apply: (target: Target, value: string, example: string, names: readonly string[]) => void;
}

const FLAGS: Record<string, FlagSpec> = {
  "--delay": {
    example: () => "--delay 30ms",
    takesValue: true,
    apply: (t, v, ex) => {
      t.impairment.delayMs = parseDuration("--delay", v, ex);
    },
  },
  "--jitter": {
    example: () => "--jitter 5ms",
    takesValue: true,
    apply: (t, v, ex) => {
      t.impairment.jitterMs = parseDuration("--jitter", v, ex);
    },
  },
  "--loss": {
    example: () => "--loss 1%",
    takesValue: true,
    apply: (t, v, ex) => {
      t.impairment.lossPct = parsePercent("--loss", v, ex);
    },
  },
  "--burst": {
    example: () => "--burst 5%,30%,50%",
    takesValue: true,
    apply: (t, v, ex) => {
      t.impairment.burst = parseBurst("--burst", v, ex);
    },
  },
  "--rate": {
    example: () => "--rate 10mbit",
    takesValue: true,
    apply: (t, v, ex) => {
      t.impairment.rateKbit = parseRate("--rate", v, ex);
    },
  },
  "--duplicate": {
    example: () => "--duplicate 0.5%",
    takesValue: true,
    apply: (t, v, ex) => {
      t.impairment.duplicatePct = parsePercent("--duplicate", v, ex);
    },
  },
  "--reorder": {
    example: () => "--reorder",
    takesValue: false,
    apply: (t) => {
      t.impairment.reorder = true;
    },
  },
  "--no-reorder": {
    example: () => "--no-reorder",
    takesValue: false,
    apply: (t) => {
      t.impairment.reorder = false;
    },
  },
  "--direction": {
    example: (names) => `--direction ${directionChoices(names)[1] ?? "a->b"}`,
    takesValue: true,
    apply: (t, v, _ex, names) => {
      t.direction = parseDirection("--direction", v, names);
    },
  },
};

/**
 * Parses impairment flags. `endpointNames` are the relay's sites, which make up the valid
 * directions. Accepts `--flag value` and `--flag=value`; each flag at most once. Unset fields are
 * absent from the result, so it can be applied on top of what the relay has.
 */
export function parseImpairmentArgs(
  words: readonly string[],
  endpointNames: readonly string[],
): ImpairmentArgs {
  const target: Target = { direction: "both", impairment: {} };
  const seen = new Set<string>();
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    const eq = word.indexOf("=");
    const flag = word.startsWith("--") && eq > 0 ? word.slice(0, eq) : word;
    const spec = FLAGS[flag];
    if (!spec) {
      if (!word.startsWith("-"))
        throw new UsageError(
          `unexpected argument ${JSON.stringify(word)}: flags start with -- (example: --delay 30ms)`,
        );
      throw new UsageError(
        `unknown flag ${JSON.stringify(flag)}: known flags are ${Object.keys(FLAGS).join(", ")} (example: --delay 30ms)`,
      );
    }
    const example = spec.example(endpointNames);
    if (seen.has(flag)) throw new UsageError(`${flag} given more than once (example: ${example})`);
    seen.add(flag);
    let value = "";
    if (!spec.takesValue) {
      if (flag !== word) throw new UsageError(`${flag} takes no value (example: ${example})`);
    } else if (flag !== word) {
      value = word.slice(eq + 1);
    } else {
      const next = words[i + 1];
      if (next === undefined || next.startsWith("--"))
        throw new UsageError(`${flag} needs a value (example: ${example})`);
      value = next;
      i++;
    }
    spec.apply(target, value, example, endpointNames);
  }
  return target;
}

const NUMBER = String.raw`(\d+(?:\.\d+)?|\.\d+)`;
const PERCENT_RE = new RegExp(`^${NUMBER}%?$`);
const RATE_RE = new RegExp(`^${NUMBER}(kbit|mbit|gbit)$`, "i");
const TO_KBIT: Record<string, number> = { kbit: 1, mbit: 1000, gbit: 1_000_000 };

/** "30ms", "1.5s", "500us" or "0" -> milliseconds (grammar: util/duration; a bare number only as 0). */
export function parseDuration(flag: string, value: string, example = `${flag} 30ms`): number {
  const d = parseDurationText(value);
  if (!d.ok || (d.ms === null && d.value !== 0))
    throw bad(flag, value, "not a time; use a number with ms, s or us", example);
  const ms = d.ms ?? 0;
  if (ms > MAX_DELAY_MS) throw bad(flag, value, `more than the maximum of ${MAX_DELAY_MS / 1000}s`, example);
  return ms;
}

/** "1%", "0.5" or "100" -> a percentage 0-100. */
export function parsePercent(flag: string, value: string, example = `${flag} 1%`): number {
  const m = PERCENT_RE.exec(value);
  const pct = m ? Number(m[1]) : Number.NaN;
  if (!(pct >= 0 && pct <= 100)) throw bad(flag, value, "not a percentage from 0 to 100", example);
  return pct;
}

/** "10mbit", "512kbit", "1gbit" -> kbit/s; "off" or "none" -> null (unlimited). */
export function parseRate(flag: string, value: string, example = `${flag} 10mbit`): number | null {
  if (value === "off" || value === "none") return null;
  const m = RATE_RE.exec(value);
  if (!m) throw bad(flag, value, "not a rate; use a number with kbit, mbit or gbit, or off", example);
  const kbit = Number(m[1]) * (TO_KBIT[(m[2] as string).toLowerCase()] as number);
  if (kbit === 0) throw bad(flag, value, "a rate must be above 0; use off for no limit", example);
  if (kbit > MAX_RATE_KBIT)
    throw bad(flag, value, `more than the maximum of ${MAX_RATE_KBIT / 1e6}gbit`, example);
  return kbit;
}

/** "p,r,loss-in-bad[,loss-in-good]" percentages -> Gilbert-Elliott parameters; "off" -> null. */
export function parseBurst(flag: string, value: string, example = `${flag} 5%,30%,50%`): BurstLoss | null {
  if (value === "off" || value === "none") return null;
  const parts = value.split(",");
  const what = "not a burst; use p,r,loss-in-bad[,loss-in-good] percentages from 0 to 100, or off";
  if (parts.length < 3 || parts.length > 4) throw bad(flag, value, what, example);
  const pcts = parts.map((p) => {
    const m = PERCENT_RE.exec(p.trim());
    const pct = m ? Number(m[1]) : Number.NaN;
    if (!(pct >= 0 && pct <= 100)) throw bad(flag, value, what, example);
    return pct;
  });
  const [pEnterBad, pLeaveBad, lossInBadPct, lossInGoodPct = 0] = pcts as [number, number, number, number?];
  return { pEnterBad, pLeaveBad, lossInBadPct, lossInGoodPct };
}

/** "both" and every "from->to" pair of distinct endpoints. */
export function directionChoices(endpointNames: readonly string[]): string[] {
  const pairs = endpointNames.flatMap((a) => endpointNames.filter((b) => b !== a).map((b) => `${a}->${b}`));
  return ["both", ...pairs];
}

export function parseDirection(flag: string, value: string, endpointNames: readonly string[]): string {
  const choices = directionChoices(endpointNames);
  if (choices.includes(value)) return value;
  const list = `${choices.slice(0, -1).join(", ")} or ${choices[choices.length - 1]}`;
  throw bad(flag, value, `not a direction; use ${list}`, `${flag} ${choices[1] ?? "a->b"}`);
}

function bad(flag: string, value: string, what: string, example: string): UsageError {
  return new UsageError(`${flag} ${JSON.stringify(value)}: ${what} (example: ${example})`);
}
