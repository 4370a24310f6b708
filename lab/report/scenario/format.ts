// Number, bound and status wording shared by every scenario report, so the terminal table,
// Markdown, JUnit and SVG never disagree about how a value or a verdict is written.
import type { Metric, MetricBound, ScenarioResult } from "../../scenario/types.ts";

/** 201334 -> "201,334"; 3.14159 -> "3.14". Locale-free so golden files do not depend on the host. */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const [whole = "0", frac = ""] = Math.abs(n).toFixed(2).split(".");
  const groups: string[] = [];
  for (let end = whole.length; end > 0; end -= 3) groups.unshift(whole.slice(Math.max(0, end - 3), end));
  const decimals = frac.replace(/0+$/, "");
  const text = groups.join(",") + (decimals ? `.${decimals}` : "");
  return n < 0 && text !== "0" ? `-${text}` : text;
}

const UNIT_SUFFIX: Record<Metric["unit"], string> = { ms: " ms", "%": " %", count: "", bytes: " bytes" };

export function formatValue(value: number | null, unit: Metric["unit"]): string {
  return value === null ? "n/a" : `${formatNumber(value)}${UNIT_SUFFIX[unit]}`;
}

/** "100,000..240,000 ms", "<= 1,000 ms", ">= 95 %", or "-" when unbounded. */
export function formatBound(bound: MetricBound | undefined, unit: Metric["unit"]): string {
  if (!bound || (bound.min === undefined && bound.max === undefined)) return "-";
  const suffix = UNIT_SUFFIX[unit];
  if (bound.min !== undefined && bound.max !== undefined) {
    return `${formatNumber(bound.min)}..${formatNumber(bound.max)}${suffix}`;
  }
  return bound.max !== undefined
    ? `<= ${formatNumber(bound.max)}${suffix}`
    : `>= ${formatNumber(bound.min ?? 0)}${suffix}`;
}

export type Verdict = "ok" | "out" | "no-value" | "unbounded";

export function verdict(m: Metric): Verdict {
  // A bound that only says why there is none (BFD off, another runtime's) bounds nothing.
  if (!m.bound || (m.bound.min === undefined && m.bound.max === undefined)) return "unbounded";
  if (m.value === null || m.withinBound === null) return "no-value";
  return m.withinBound ? "ok" : "out";
}

export const VERDICT_TEXT: Record<Verdict, string> = {
  ok: "OK",
  out: "OUT OF BOUND",
  "no-value": "NO VALUE",
  unbounded: "-",
};

/** 310012 -> "310.0 s": durations people compare at a glance. */
export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export const STATUS_TEXT: Record<ScenarioResult["status"], string> = {
  pass: "PASS",
  fail: "FAIL",
  error: "ERROR",
  interrupted: "INTERRUPTED",
  skipped: "SKIPPED",
};

/**
 * Terminal text must not carry escape sequences from daemon logs or scenario files: C0 and C1
 * control characters other than tab and newline, and lone surrogates, become visible \xNN / \uNNNN.
 */
export function printable(s: string): string {
  let out = "";
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if ((c < 0x20 && ch !== "\t" && ch !== "\n") || (c >= 0x7f && c <= 0x9f)) {
      out += `\\x${c.toString(16).padStart(2, "0")}`;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      out += `\\u${c.toString(16)}`;
    } else {
      out += ch;
    }
  }
  return out;
}

/** One line: newlines (from multi-line expectations) become " / ". */
export function oneLine(s: string): string {
  return printable(s).replace(/\r?\n/g, " / ");
}

/** How each component is named in reports, in the order they are listed. */
const COMPONENTS: [string, string][] = [
  ["runtime", "runtime"],
  ["bird", "BIRD"],
  ["gobgp", "GoBGP"],
  ["kubernetes", "Kubernetes"],
  ["cilium", "Cilium"],
  ["containerlab", "containerlab"],
  ["kernel", "kernel"],
];

/** "runtime netns · BIRD 2.0.12 · GoBGP 3.36.0 · kernel 6.1.0"; components it does not know last. */
export function formatVersions(v: Record<string, string> | undefined): string {
  if (!v) return "";
  const known = new Set(COMPONENTS.map(([k]) => k));
  return [
    ...COMPONENTS.flatMap(([k, name]) => (v[k] ? [`${name} ${v[k]}`] : [])),
    ...Object.keys(v)
      .filter((k) => !known.has(k))
      .sort()
      .map((k) => `${k} ${v[k]}`),
  ].join(" · ");
}
