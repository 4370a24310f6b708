import test from "ava";
import { SCHEMA_VERSION, toJson } from "../../../../lab/report/scenario/json.ts";
import type { RunReport } from "../../../../lab/scenario/types.ts";
import { coldStartReport } from "../../../fixtures/report/cold-start.ts";
import { interruptedReport } from "../../../fixtures/report/interrupted.ts";
import { vpnOutageReport } from "../../../fixtures/report/vpn-outage.ts";
import { assertGolden } from "../../../helpers/golden.ts";

// The VPN outage run holds 60,000 probe samples: checked by round trip, not by golden file.
test("cold-start and interrupted runs match their golden files", (t) => {
  assertGolden(t, "report/cold-start.json", toJson(coldStartReport));
  assertGolden(t, "report/interrupted.json", toJson(interruptedReport));
});

for (const report of [vpnOutageReport, coldStartReport, interruptedReport]) {
  test(`${report.results[0]?.scenario}: parses back to the report plus schemaVersion`, (t) => {
    t.deepEqual(JSON.parse(toJson(report)), { schemaVersion: SCHEMA_VERSION, ...report });
  });
}

test("schemaVersion comes first and the other keys are sorted at every level", (t) => {
  const json = toJson(coldStartReport);
  t.true(json.startsWith('{\n  "schemaVersion": 1,\n  "endedAt": '));
  const parsed = JSON.parse(json) as Record<string, unknown>;
  const keys = Object.keys(parsed).slice(1);
  t.deepEqual(keys, [...keys].sort());
});

test("the same data built in another key order serialises to the same bytes", (t) => {
  const reversed = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(reversed)
      : v && typeof v === "object"
        ? Object.fromEntries(
            Object.entries(v)
              .reverse()
              .map(([k, x]) => [k, reversed(x)]),
          )
        : v;
  t.is(toJson(reversed(interruptedReport) as RunReport), toJson(interruptedReport));
});

test("flat objects such as probe samples stay on one line", (t) => {
  t.regex(toJson(coldStartReport), /^ +\{ "rttMs": null, "seq": 0, "t": \d+ \},$/m);
});

test("undefined fields are left out, as JSON.stringify does", (t) => {
  const report: RunReport = { ...coldStartReport, results: [] };
  const withUndefined = { ...report, extra: undefined } as unknown as RunReport;
  t.is(toJson(withUndefined), toJson(report));
  t.false(toJson(withUndefined).includes("extra"));
});
