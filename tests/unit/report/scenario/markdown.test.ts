import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { appendStepSummary, toMarkdown } from "../../../../lab/report/scenario/markdown.ts";
import { coldStartReport } from "../../../fixtures/report/cold-start.ts";
import { hasForbiddenChars, hostileReport } from "../../../fixtures/report/hostile.ts";
import { interruptedReport } from "../../../fixtures/report/interrupted.ts";
import { vpnOutageReport } from "../../../fixtures/report/vpn-outage.ts";
import { assertGolden } from "../../../helpers/golden.ts";

const links = { "vpn-outage/seed": "vpn-outage-seed.svg", "vpn-outage/bfd": "vpn-outage-bfd.svg" };

test("each run matches its golden Markdown", (t) => {
  assertGolden(t, "report/vpn-outage.md", toMarkdown(vpnOutageReport, { svgLinks: links }));
  assertGolden(t, "report/cold-start.md", toMarkdown(coldStartReport));
  assertGolden(t, "report/interrupted.md", toMarkdown(interruptedReport));
});

test("one heading per scenario, one per variant, and the comparison", (t) => {
  const md = toMarkdown(vpnOutageReport, { svgLinks: links });
  t.is(md.match(/^## /gm)?.length, 1);
  t.true(md.includes("## vpn-outage — ZeroTier link down for 240 s"));
  t.true(md.includes("### seed ❌ fail"));
  t.true(md.includes("### bfd ✅ pass"));
  t.true(md.includes("### seed vs bfd"));
  t.true(md.includes("| `detect_ms` | 201,334 ms ✅ | 312 ms ✅ |"));
});

test("metric rows carry the bound, a verdict icon and why", (t) => {
  const md = toMarkdown(vpnOutageReport);
  t.true(
    md.includes(
      "| `reconverge_ms` link up until router-mine/router\\_home Established | 48,415 ms | &lt;= 30,000 ms | ❌ |",
    ),
  );
});

test("failed steps list expected and seen; timelines are linked when known", (t) => {
  const md = toMarkdown(vpnOutageReport, { svgLinks: links });
  t.true(md.includes("- step 7 (expect): router-mine/router\\_home Established again (budget 30 s)"));
  t.true(
    md.includes("  - expected: router-mine/router\\_home Established / 10.42.3.0/24 in router-mine's FIB"),
  );
  t.true(md.includes("[timeline](vpn-outage-seed.svg)"));
  t.false(toMarkdown(vpnOutageReport).includes("[timeline]"));
});

test("an interrupted run is flagged", (t) => {
  t.true(toMarkdown(interruptedReport).includes("> [!WARNING]\n> The run was interrupted"));
});

test("hostile text cannot inject HTML, links or table cells", (t) => {
  const md = toMarkdown(hostileReport());
  t.false(md.includes("<script"));
  t.false(md.includes("[l](javascript"));
  t.false(hasForbiddenChars(md));
  for (const line of md.split("\n").filter((l) => l.startsWith("| `"))) {
    // Unescaped pipes would add cells: every metric row has exactly 5.
    t.is(line.replace(/\\\|/g, "").split("|").length - 2, 5, line);
  }
});

test("appendStepSummary appends to $GITHUB_STEP_SUMMARY and says whether it wrote", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "report-md-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, "summary.md");
  t.true(await appendStepSummary("# one", { GITHUB_STEP_SUMMARY: file }));
  t.true(await appendStepSummary("# two\n", { GITHUB_STEP_SUMMARY: file }));
  t.is(await readFile(file, "utf8"), "# one\n# two\n");
  t.false(await appendStepSummary("# three", {}));
});

test("a scenario its runtime cannot run is shown skipped, with why, and the runtime is named", (t) => {
  const base = coldStartReport;
  const first = base.results[0];
  if (!first) throw new Error("fixture has no result");
  const skipped = {
    ...base,
    runtime: "clab",
    results: [
      {
        ...first,
        status: "skipped" as const,
        runtime: "clab",
        skipReason: "line 12: node add: the clab runtime cannot join a new node",
        steps: [],
        metrics: [],
        events: [],
      },
    ],
  };
  const md = toMarkdown(skipped);
  t.regex(md, /^# Lab .*: scenario report \(runtime clab\)$/m);
  t.regex(md, /^1 scenario run: 1 skipped · /m);
  t.regex(md, /⏭️ skipped/);
  t.regex(md, /\*\*Skipped:\*\* line 12: node add: the clab runtime cannot join a new node/);
});
