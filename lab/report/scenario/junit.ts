// JUnit XML for CI test views: one <testsuite> per scenario run (scenario + variant), one
// <testcase> per step and per bounded metric. The live event lines go to <system-out>, so a CI
// page shows the same timeline the terminal showed. Control characters are made visible, as on
// the terminal, so a CI page cannot be driven by escape sequences from a daemon log.
import type { Metric, RunReport, ScenarioResult, StepResult } from "../../scenario/types.ts";
import { formatBound, formatValue, printable, verdict } from "./format.ts";
import { formatLiveEvent } from "./live.ts";
import { resultKeys } from "./results.ts";
import { escapeAttr, escapeXml } from "./xml.ts";

interface Case {
  name: string;
  seconds: number;
  outcome?: { tag: "failure" | "error" | "skipped"; type: string; message: string; body?: string };
}

export function toJUnit(report: RunReport): string {
  const keys = resultKeys(report.results);
  const suites = report.results.map((r, i) => suite(r, keys[i] ?? r.scenario));
  const total = sum(suites.map((s) => s.counts));
  const attrs = attributes({
    name: `lab ${report.lab}`,
    ...countAttrs(total),
    time: seconds(report.endedAt - report.startedAt),
  });
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites${attrs}>`,
    ...suites.map((s) => s.xml),
    `</testsuites>`,
    "",
  ].join("\n");
}

function suite(r: ScenarioResult, key: string): { xml: string; counts: Counts } {
  const cases = [
    ...r.steps.map((s) => stepCase(s, r.status)),
    ...r.metrics.filter((m) => m.bound).map(metricCase),
    ...runCase(r),
  ];
  const counts = count(cases);
  const classname = `${r.scenario}.${r.variant}`;
  const head = `  <testsuite${attributes({
    name: key,
    ...countAttrs(counts),
    time: seconds(r.endedAt - r.startedAt),
    timestamp: new Date(r.startedAt).toISOString(),
    file: r.file,
  })}>`;
  const props = [
    "    <properties>",
    ...Object.entries({
      title: r.title,
      variant: r.variant,
      preparation: r.preparation,
      status: r.status,
      ...(r.runtime ? { runtime: r.runtime } : {}),
      // The runtime is already a property of its own.
      ...Object.fromEntries(
        Object.entries(r.versions ?? {})
          .filter(([k]) => k !== "runtime")
          .map(([k, v]) => [`version.${k}`, v]),
      ),
    }).map(([name, value]) => `      <property${attributes({ name, value })}/>`),
    "    </properties>",
  ];
  const log = r.events.map((e) => formatLiveEvent(e, r.startedAt)).join("\n");
  return {
    xml: [
      head,
      ...props,
      ...cases.map((c) => testcase(c, classname)),
      `    <system-out>${escapeXml(log)}</system-out>`,
      "  </testsuite>",
    ].join("\n"),
    counts,
  };
}

function stepCase(s: StepResult, run: ScenarioResult["status"]): Case {
  const c: Case = {
    name: `step ${s.index} ${s.kind}: ${s.summary}`,
    seconds: (s.endedAt - s.startedAt) / 1000,
  };
  if (s.status === "skipped") {
    const message = run === "interrupted" ? "not finished: the run was interrupted" : "not run";
    c.outcome = { tag: "skipped", type: "skipped", message };
  }
  if (s.status === "fail") {
    const body = [
      s.expected !== undefined ? `expected: ${s.expected}` : "",
      s.seen !== undefined ? `seen: ${s.seen}` : "",
    ]
      .filter(Boolean)
      .join("\n");
    const message =
      s.expected !== undefined ? `expected ${s.expected}; seen ${s.seen ?? "nothing"}` : s.summary;
    c.outcome = { tag: "failure", type: s.kind, message, body };
  }
  return c;
}

function metricCase(m: Metric): Case {
  const c: Case = { name: `metric ${m.name}: ${m.description}`, seconds: 0 };
  const bound = formatBound(m.bound, m.unit);
  const v = verdict(m);
  if (v === "out") {
    c.outcome = {
      tag: "failure",
      type: "out-of-bound",
      message: `${m.name} = ${formatValue(m.value, m.unit)}, outside ${bound}`,
      body: `bound: ${bound}\nwhy: ${m.bound?.why ?? ""}`,
    };
  }
  // A bound with no value means the events it needs never happened: not a pass, not proof of a fault.
  if (v === "no-value")
    c.outcome = { tag: "skipped", type: "no-value", message: `no value (bound ${bound})` };
  return c;
}

/** Errors and interruptions are not any one step's fault: they get their own test case. */
function runCase(r: ScenarioResult): Case[] {
  if (r.status === "skipped")
    return [
      {
        name: `scenario runs on the ${r.runtime ?? "selected"} runtime`,
        seconds: 0,
        outcome: { tag: "skipped", type: "unsupported", message: r.skipReason ?? "not run" },
      },
    ];
  if (r.status !== "error" && r.status !== "interrupted") return [];
  const message =
    r.error ?? (r.status === "interrupted" ? "run interrupted before the scenario finished" : "error");
  return [
    {
      name: "scenario run completes",
      seconds: (r.endedAt - r.startedAt) / 1000,
      outcome: { tag: "error", type: r.status, message },
    },
  ];
}

function testcase(c: Case, classname: string): string {
  const open = `    <testcase${attributes({ classname, name: c.name, time: seconds(c.seconds * 1000) })}`;
  if (!c.outcome) return `${open}/>`;
  const o = c.outcome;
  const attrs = attributes({ message: o.message, type: o.type });
  const inner = o.body
    ? `<${o.tag}${attrs}>${escapeXml(printable(o.body))}</${o.tag}>`
    : `<${o.tag}${attrs}/>`;
  return `${open}>\n      ${inner}\n    </testcase>`;
}

interface Counts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

function count(cases: Case[]): Counts {
  const is = (tag: string) => cases.filter((c) => c.outcome?.tag === tag).length;
  return { tests: cases.length, failures: is("failure"), errors: is("error"), skipped: is("skipped") };
}

function sum(all: Counts[]): Counts {
  return all.reduce(
    (a, b) => ({
      tests: a.tests + b.tests,
      failures: a.failures + b.failures,
      errors: a.errors + b.errors,
      skipped: a.skipped + b.skipped,
    }),
    { tests: 0, failures: 0, errors: 0, skipped: 0 },
  );
}

function countAttrs(c: Counts): Record<string, string> {
  return {
    tests: String(c.tests),
    failures: String(c.failures),
    errors: String(c.errors),
    skipped: String(c.skipped),
  };
}

function seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}

function attributes(attrs: Record<string, string>): string {
  return Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${escapeAttr(printable(v))}"`)
    .join("");
}
