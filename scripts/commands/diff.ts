import { join, resolve } from "node:path";
import { repoRoot } from "../../lab/diff/materialise.ts";
import { DEFAULT_TOPOLOGY, diffLabNames, runDiff, type ScenarioChoice } from "../../lab/diff/run.ts";
import { formatDiff, writeDiffReports } from "../../lab/report/diff/index.ts";
import { labsRoot } from "../../lab/runtime/workdir.ts";
import { formatProgress } from "../../lab/util/progress.ts";
import { type Command, EXIT, parse, parseDuration, UsageError } from "../cli-kit.ts";
import { chooseKind, KIND_OPTIONS } from "./load.ts";

const DEFAULT_NAME = "diff";

function scenarioChoice(text: string | undefined): ScenarioChoice {
  const t = (text ?? "quick").trim();
  if (t === "quick" || t === "none") return t;
  const names = t.split(",").map((s) => s.trim());
  if (names.some((n) => !/^[a-z0-9][a-z0-9-]*$/.test(n)))
    throw new UsageError(
      `--scenarios "${text}": not quick, none or scenario names`,
      "e.g. --scenarios zt-outage-30s,mtu",
    );
  return names;
}

export const diff: Command = {
  name: "diff",
  summary:
    "what a config change does: base and head configs from git up side by side, routing and scenario figures compared",
  usage:
    "lab diff --base REF [--head REF] [--scenarios quick|none|NAME,...] [--repeat N] [--fail-on-change] [--intent FILE] [--name PREFIX] [--repo DIR] [--topology configs/FILE] [--budget 90s] [--out DIR] [--runtime netns|clab] [--json]",
  async run(argv, ctx) {
    const { values } = parse(this, argv, {
      base: { type: "string" },
      head: { type: "string" },
      scenarios: { type: "string" },
      repeat: { type: "string" },
      "fail-on-change": { type: "boolean" },
      intent: { type: "string" },
      name: { type: "string" },
      repo: { type: "string" },
      topology: { type: "string", short: "t" },
      budget: { type: "string" },
      out: { type: "string", short: "o" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
      ...KIND_OPTIONS,
    });
    if (!values.base) throw new UsageError("diff: --base REF is required", `usage: ${this.usage}`);
    const scenarios = scenarioChoice(values.scenarios);
    const repeat = values.repeat === undefined ? 1 : Number(values.repeat);
    if (!(Number.isInteger(repeat) && repeat >= 1 && repeat <= 20))
      throw new UsageError(
        `--repeat "${values.repeat}": must be a whole number from 1 to 20`,
        "e.g. --repeat 3",
      );
    const budgetMs = values.budget ? parseDuration("--budget", values.budget) : undefined;
    const name = values.name ?? DEFAULT_NAME;
    diffLabNames(name);
    const { kind, options } = await chooseKind(values);
    // npm runs scripts from the package root; the repository is where the user stood.
    const repo = await repoRoot(resolve(values.repo ?? process.env.INIT_CWD ?? process.cwd()));
    const dir = join(labsRoot(), "diff", name);
    const t0 = performance.now();
    const report = await runDiff({
      repo,
      base: values.base,
      ...(values.head !== undefined ? { head: values.head } : {}),
      topology: values.topology ?? DEFAULT_TOPOLOGY,
      scenarios,
      repeat,
      name,
      kind,
      kindOptions: options,
      dir,
      ...(values.intent ? { intentFile: resolve(process.env.INIT_CWD ?? process.cwd(), values.intent) } : {}),
      failOnChange: values["fail-on-change"] ?? false,
      ...(budgetMs !== undefined ? { budgetMs } : {}),
      signal: ctx.signal,
      progress: (e) => ctx.err(formatProgress(e, performance.now() - t0)),
      onScenario: (side, line) => ctx.err(`  ${side}: ${line}`),
    });
    const written = await writeDiffReports(report, values.out ? resolve(values.out) : dir);
    ctx.out(values.json ? JSON.stringify(report, null, 2) : formatDiff(report));
    ctx.err(
      `reports: ${written.json}, ${written.junit}, ${written.markdown}${written.stepSummary ? " (and the step summary)" : ""}`,
    );
    return report.verdict.exit === 130 ? EXIT.interrupted : report.verdict.exit;
  },
};
