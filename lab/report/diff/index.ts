// Writes every report of a diff into one directory: report.json (everything, snapshots included),
// junit.xml, report.md; appends the Markdown to $GITHUB_STEP_SUMMARY when it is set.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { DiffReport } from "../../diff/model.ts";
import { appendStepSummary } from "../scenario/markdown.ts";
import { diffJUnit } from "./junit.ts";
import { diffMarkdown } from "./markdown.ts";

export { COMMENT_MARKER, diffMarkdown } from "./markdown.ts";
export { formatDiff } from "./terminal.ts";
export { diffJUnit };

export async function writeDiffReports(
  r: DiffReport,
  dir: string,
): Promise<{ json: string; junit: string; markdown: string; stepSummary: boolean }> {
  await mkdir(dir, { recursive: true });
  const paths = {
    json: join(dir, "report.json"),
    junit: join(dir, "junit.xml"),
    markdown: join(dir, "report.md"),
  };
  const markdown = diffMarkdown(r);
  await Promise.all([
    writeFile(paths.json, `${JSON.stringify(r, null, 2)}\n`),
    writeFile(paths.junit, diffJUnit(r)),
    writeFile(paths.markdown, markdown),
  ]);
  return { ...paths, stepSummary: await appendStepSummary(markdown) };
}
