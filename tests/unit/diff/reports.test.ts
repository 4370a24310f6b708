// The diff's verdict, intent and reports: exit codes as the command promises them, Markdown
// (with the marker the workflow updates its comment by) and JUnit that name the same differences.
import test from "ava";
import { compileSchema } from "../../../lab/config/schema-check.ts";
import { diffSnapshots } from "../../../lab/diff/compare.ts";
import { checkIntent, patternMatches } from "../../../lab/diff/intent.ts";
import type { DiffReport } from "../../../lab/diff/model.ts";
import { decide, differenceNames } from "../../../lab/diff/verdict.ts";
import type { GuardResult } from "../../../lab/guards/model.ts";
import { COMMENT_MARKER, diffJUnit, diffMarkdown, formatDiff } from "../../../lab/report/diff/index.ts";
import { sampleSnapshot } from "../snapshot/sample.ts";

const okGuard: GuardResult = { name: "builtin: every session Established", ok: true, problems: [] };

function diffReport(opts: { filter?: boolean; failOnChange?: boolean; metric?: boolean } = {}): DiffReport {
  const base = sampleSnapshot();
  const head = sampleSnapshot();
  if (opts.filter) {
    const mine = head.routers[1];
    if (mine) mine.routes = mine.routes.filter((r) => r.prefix !== "10.42.3.0/24");
    const home = head.routers[0];
    if (home) home.exports.router_mine = [];
    for (const p of head.reachability) if (p.toNode === "yuuko-k8s") p.icmp = false;
  }
  const changes = diffSnapshots(base, head);
  const metrics: DiffReport["metrics"] = opts.metric
    ? [
        {
          scenario: "zt-outage-30s",
          variant: "bfd",
          metric: "blackhole_ms",
          unit: "ms",
          base: [31_360],
          head: [412],
          granularity: { value: 1000, why: "the lab's event latency" },
          changed: true,
        },
      ]
    : [];
  const guards: GuardResult[] = opts.filter
    ? [
        okGuard,
        {
          name: "guards.yaml:10: route 10.42.3.0/24 at router-mine",
          ok: false,
          problems: ["10.42.3.0/24 is missing at router-mine"],
        },
      ]
    : [okGuard];
  const differences = differenceNames(changes, metrics, [], { base: true, head: true });
  const partial = { guards, changes, differences, intent: null, interrupted: false };
  const side = (ref: string, lab: string) => ({
    ref,
    commit: ref === "working tree" ? null : "0123456789abcdef0123456789abcdef01234567",
    dir: "/x",
    lab,
    settled: { converged: true, problems: [], ms: 6000 },
  });
  return {
    base: side("HEAD~1", "diffb"),
    head: side("working tree", "diffh"),
    runtime: "netns",
    startedAt: 0,
    endedAt: 1,
    scenarios: opts.metric ? ["zt-outage-30s"] : [],
    repeat: 1,
    failOnChange: opts.failOnChange ?? false,
    snapshots: { base, head },
    metrics,
    scenarioStatus: [],
    notRun: [],
    ...partial,
    verdict: decide(partial, { failOnChange: opts.failOnChange ?? false }),
  };
}

test("verdict: no change exits 0; lost reachability or a failed guard exits 1", (t) => {
  t.deepEqual(diffReport().verdict, { exit: 0, failures: [] });
  const bad = diffReport({ filter: true });
  t.is(bad.verdict.exit, 1);
  t.deepEqual(bad.verdict.failures, ["guards failed on head: 1", "reachability lost: 1 pod pair probe(s)"]);
});

test("verdict: a difference that breaks nothing exits 0, or 1 with --fail-on-change; an interrupt 130", (t) => {
  t.is(diffReport({ metric: true }).verdict.exit, 0);
  t.deepEqual(diffReport({ metric: true, failOnChange: true }).verdict, {
    exit: 1,
    failures: ["1 difference(s) (--fail-on-change)"],
  });
  const r = diffReport();
  t.is(decide({ ...r, interrupted: true }, { failOnChange: false }).exit, 130);
});

test("intent: * matches anything, the whole name must match; undeclared and unmet both reported", (t) => {
  t.true(
    patternMatches(
      "route router-mine 10.42.3.0/24 * removed",
      "route router-mine 10.42.3.0/24 router_home removed",
    ),
  );
  t.false(
    patternMatches("route router-mine 10.42.3.0/24", "route router-mine 10.42.3.0/24 router_home removed"),
  );
  t.false(
    patternMatches("route router-mine 10.42.3.0.24 * removed", "route router-mine 10.42.3.0/24 x removed"),
    "a dot is a dot",
  );
  const r = diffReport({ filter: true });
  const check = checkIntent(
    {
      file: "intent.yaml",
      patterns: [
        { text: "route router-mine 10.42.3.0/24 * removed", line: 2 },
        { text: "export router-home router_mine 10.42.3.0/24 removed", line: 3 },
        { text: "session router-home * changed", line: 4 },
      ],
    },
    r.differences,
  );
  t.deepEqual(check.undeclared, ["reachability sakamoto-pod1 yuuko-k8s-pod1 icmp lost"]);
  t.deepEqual(check.unmet, ["line 4: session router-home * changed"]);
  t.deepEqual(decide({ ...r, guards: [okGuard], intent: check }, { failOnChange: false }).failures, [
    "reachability lost: 1 pod pair probe(s)",
    "1 difference(s) not declared in the intent",
    "1 declared change(s) did not happen",
  ]);
});

test("terminal: no change says so", (t) => {
  const text = formatDiff(diffReport());
  t.regex(text, /no change in routing or behaviour; every guard holds, no reachability lost$/);
  t.notRegex(text, /^Routes/m);
});

test("Markdown: the marker first, the route, export and reachability tables, the metric side by side", (t) => {
  const md = diffMarkdown(diffReport({ filter: true }));
  t.true(md.startsWith(`${COMMENT_MARKER}\n## ❌ Config change: 3 differences`));
  t.regex(md, /\| router-mine \| 10\.42\.3\.0\/24 \| router_home \| \* \| removed \| +\|/);
  t.regex(md, /\| router-home \| router_mine \| 192\.168\.191\.12 \| 10\.42\.3\.0\/24 \| removed \|/);
  t.regex(md, /\| sakamoto-pod1 \| yuuko-k8s-pod1 \| ICMP \| LOST \|/);
  t.regex(
    md,
    /\| ❌ \| guards\.yaml:10: route 10\.42\.3\.0\/24 at router-mine \| 10\.42\.3\.0\/24 is missing at router-mine \|/,
  );
  const metrics = diffMarkdown(diffReport({ metric: true }));
  t.regex(
    metrics,
    /\| zt-outage-30s \[bfd\] \| blackhole_ms \| 31,360 ms \| 412 ms \| blackhole_ms 31,360 -> 412 ms \| 1,000 ms \(the lab's event latency\) \|/,
  );
  t.regex(metrics, /^## ✅ /m);
});

test("Markdown: a table cell cannot break the table", (t) => {
  const r = diffReport({ filter: true });
  r.guards = [{ name: "x", ok: false, problems: ["a | b\nc"] }];
  t.regex(diffMarkdown(r), /\| ❌ \| x \| a \\\| b c \|/);
});

test("JUnit: guards and differences as test cases, failures where the verdict counts them", (t) => {
  const xml = diffJUnit(diffReport({ filter: true }));
  t.regex(xml, /<testsuite name="guards on head" tests="2" failures="1" errors="0" skipped="0">/);
  t.regex(
    xml,
    /<testcase classname="differences" name="reachability sakamoto-pod1 yuuko-k8s-pod1 icmp lost">\s*<failure message="reachability lost">/,
  );
  t.regex(
    xml,
    /<testcase classname="differences" name="route router-mine 10\.42\.3\.0\/24 router_home removed"\/>/,
  );
  const strict = diffJUnit(diffReport({ filter: true, failOnChange: true }));
  t.regex(
    strict,
    /name="route router-mine 10\.42\.3\.0\/24 router_home removed">\s*<failure message="a difference \(--fail-on-change\)">/,
  );
  t.regex(
    diffJUnit(diffReport()),
    /<testcase classname="differences" name="no change in routing or behaviour"\/>/,
  );
});

test("the JSON report keeps both snapshots, valid against the snapshot schema", async (t) => {
  const { readFileSync } = await import("node:fs");
  const validate = compileSchema(
    JSON.parse(
      readFileSync(new URL("../../../configs/schema/snapshot.schema.json", import.meta.url), "utf8"),
    ),
  );
  const r = JSON.parse(JSON.stringify(diffReport({ filter: true }))) as DiffReport;
  t.true(validate(r.snapshots.head), JSON.stringify(validate.errors));
});

test("an intent file: patterns with their lines; a bad one refused with its position", async (t) => {
  const { mkdtempSync, rmSync, writeFileSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const { loadIntent } = await import("../../../lab/diff/intent.ts");
  const { ValidationError } = await import("../../../lab/config/diagnostics.ts");
  const dir = mkdtempSync(join(tmpdir(), "lab-intent-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const good = join(dir, "intent.yaml");
  writeFileSync(
    good,
    "description: stop announcing yuuko's pods\nchanges:\n  - route router-mine 10.42.3.0/24 * removed\n  - export * 10.42.3.0/24 removed\n",
  );
  t.deepEqual(loadIntent(good).patterns, [
    { text: "route router-mine 10.42.3.0/24 * removed", line: 3 },
    { text: "export * 10.42.3.0/24 removed", line: 4 },
  ]);
  const bad = join(dir, "bad.yaml");
  writeFileSync(bad, "changes:\n  - route x\n  - 3\nexpected: []\n");
  const err = t.throws(() => loadIntent(bad), { instanceOf: ValidationError });
  t.regex(err.message, /bad\.yaml:3:\d+: changes\[1\]: must be a string/);
  t.regex(err.message, /bad\.yaml:4:\d+: expected: unknown key "expected"/);
});

test("a metric on one side only is shown as appeared, and not counted from one run each", (t) => {
  const r = diffReport({ metric: true });
  r.metrics.push({
    scenario: "zt-outage-30s",
    variant: "seed",
    metric: "detect_home_ms",
    unit: "ms",
    base: [null],
    head: [334],
    granularity: { value: 141_000, why: "the spread its timers allow (its bound)" },
    changed: false,
  });
  t.regex(
    diffMarkdown(r),
    /\| zt-outage-30s \[seed\] \| detect_home_ms \| n\/a \| 334 ms \| appeared \(counted from 2 runs each\) \|/,
  );
});
