// Writes every report of a run into one directory: report.json and junit.xml for machines,
// report.md for people (linking the timelines), and one timeline SVG per scenario run.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { RunReport } from "../../scenario/types.ts";
import { toJson } from "./json.ts";
import { toJUnit } from "./junit.ts";
import { toMarkdown } from "./markdown.ts";
import { resultKeys, svgFileNames } from "./results.ts";
import { timelineSvg } from "./svg.ts";

export { formatLiveEvent } from "./live.ts";
export { appendStepSummary, toMarkdown } from "./markdown.ts";
export { formatSummaryTable, formatVariantComparison } from "./summary.ts";
export { timelineSvg, toJson, toJUnit };

export interface WrittenReports {
  json: string;
  junit: string;
  markdown: string;
  svgs: string[];
}

export async function writeReports(report: RunReport, dir: string): Promise<WrittenReports> {
  await mkdir(dir, { recursive: true });
  const keys = resultKeys(report.results);
  const svgNames = svgFileNames(keys);
  const svgLinks = Object.fromEntries(keys.map((k, i) => [k, svgNames[i] ?? ""]));
  const paths: WrittenReports = {
    json: join(dir, "report.json"),
    junit: join(dir, "junit.xml"),
    markdown: join(dir, "report.md"),
    svgs: svgNames.map((name) => join(dir, name)),
  };
  await Promise.all([
    writeFile(paths.json, toJson(report)),
    writeFile(paths.junit, toJUnit(report)),
    writeFile(paths.markdown, toMarkdown(report, { svgLinks })),
    ...report.results.map((r, i) => writeFile(paths.svgs[i] ?? "", timelineSvg(r))),
  ]);
  return paths;
}
