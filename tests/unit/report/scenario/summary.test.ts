import test from "ava";
import { formatNumber } from "../../../../lab/report/scenario/format.ts";
import { formatSummaryTable, formatVariantComparison } from "../../../../lab/report/scenario/summary.ts";
import { coldStartReport } from "../../../fixtures/report/cold-start.ts";
import { HOSTILE, hasForbiddenChars, hostileReport } from "../../../fixtures/report/hostile.ts";
import { interruptedReport } from "../../../fixtures/report/interrupted.ts";
import { vpnOutageReport } from "../../../fixtures/report/vpn-outage.ts";
import { assertGolden } from "../../../helpers/golden.ts";

const fixtures = [
  ["vpn-outage", vpnOutageReport],
  ["cold-start", coldStartReport],
  ["interrupted", interruptedReport],
] as const;

for (const [name, report] of fixtures) {
  test(`${name}: summary and variant comparison match the golden file`, (t) => {
    const text = formatSummaryTable(report);
    const comparison = formatVariantComparison(report.results);
    assertGolden(t, `report/${name}.summary.txt`, comparison ? `${text}\n${comparison}` : text);
  });
}

test("each metric row shows value, unit, bound and verdict", (t) => {
  const text = formatSummaryTable(vpnOutageReport);
  t.regex(text, /detect_ms\s+201,334 ms\s+100,000\.\.240,000 ms\s+OK/);
  t.regex(text, /reconverge_ms\s+48,415 ms\s+<= 30,000 ms\s+OUT OF BOUND/);
  t.regex(text, /lost_packets\s+14,422\s+-\s+-/);
});

test("an out-of-bound metric says why its bound is what it is", (t) => {
  t.true(
    formatSummaryTable(vpnOutageReport).includes(
      "vpn-outage/seed: reconverge_ms = 48,415 ms, outside <= 30,000 ms (scenario budget heal_established 30 s;",
    ),
  );
});

test("a failed expect shows what was expected and what was seen, multi-line aligned", (t) => {
  const text = formatSummaryTable(vpnOutageReport);
  t.true(
    text.includes(
      [
        "  expected: router-mine/router_home Established",
        "            10.42.3.0/24 in router-mine's FIB",
        "  seen:     router-mine/router_home Active (Startup delayed by 60 seconds due to errors)",
      ].join("\n"),
    ),
  );
});

test("interrupted and errored runs say so, with the metrics that got no value", (t) => {
  const text = formatSummaryTable(interruptedReport);
  t.true(text.includes("(run interrupted)"));
  t.regex(text, /recover_ms\s+n\/a\s+<= 10,000 ms\s+NO VALUE/);
  t.true(text.includes("router-crash/seed: interrupted after 21.4 s; 2 step(s) not finished"));
  t.true(text.includes("bird-restart/seed: error: router-home: bird did not answer"));
});

test("the variant comparison puts both variants side by side", (t) => {
  const text = formatVariantComparison(vpnOutageReport.results);
  t.true(text.startsWith("vpn-outage: seed vs bfd\n"));
  t.regex(text, /detect_ms\s+201,334 ms\s+312 ms/);
  t.regex(text, /reconverge_ms\s+48,415 ms !\s+781 ms/);
});

test("nothing to compare gives an empty string", (t) => {
  t.is(formatVariantComparison(coldStartReport.results), "");
  t.is(formatVariantComparison(interruptedReport.results), "");
});

test("a repeated scenario/variant pair gets its own column", (t) => {
  const seed = vpnOutageReport.results[0];
  if (!seed) throw new Error("fixture has no seed run");
  t.true(formatVariantComparison([seed, seed]).startsWith("vpn-outage: seed vs seed #2\n"));
});

test("numbers are grouped and rounded without the host locale", (t) => {
  t.is(formatNumber(201334), "201,334");
  t.is(formatNumber(1234567.891), "1,234,567.89");
  t.is(formatNumber(0.5), "0.5");
  t.is(formatNumber(-1500), "-1,500");
  t.is(formatNumber(-0.001), "0");
  t.is(formatNumber(999.999), "1,000");
});

test("control characters from scenario files cannot reach the terminal", (t) => {
  const text = formatSummaryTable(hostileReport());
  t.false(hasForbiddenChars(text));
  t.true(text.includes(HOSTILE.slice(0, 10)));
});
