import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  appendStepSummary,
  formatLiveEvent,
  formatSummaryTable,
  toMarkdown,
  writeReports,
} from "../../lab/report/scenario/index.ts";
import { outputRoot } from "../../lab/runtime/workdir.ts";
import { loadScenario, scenarioDirOf } from "../../lab/scenario/load.ts";
import type { Scenario } from "../../lab/scenario/model.ts";
import { runSuite, suiteVerdict } from "../../lab/scenario/suite.ts";
import type { RunReport } from "../../lab/scenario/types.ts";
import { Diagnostics, ValidationError } from "../../lab/topology/diagnostics.ts";
import { formatProgress } from "../../lab/util/progress.ts";
import { COMMON_OPTIONS, type Command, EXIT, parse, UsageError } from "../cli-kit.ts";
import { chooseKind, KIND_OPTIONS, loadForCommand } from "./load.ts";

export const runCmd: Command = {
  name: "run",
  summary:
    "run scenarios (names from configs/scenarios or files), report as table, JSON, JUnit, Markdown and SVG",
  usage:
    "lab run [--topology FILE] [--name LAB] [--runtime netns|clab [--k8s kind|k3d] [--pod-image IMAGE]] [--quick | --all | SCENARIO...] [--variant NAME] [--out DIR] [--keep] [--list]",
  async run(argv, ctx) {
    const { values, positionals } = parse(
      this,
      argv,
      {
        ...COMMON_OPTIONS,
        quick: { type: "boolean" },
        all: { type: "boolean" },
        list: { type: "boolean" },
        variant: { type: "string", multiple: true },
        out: { type: "string", short: "o" },
        keep: { type: "boolean" },
        ...KIND_OPTIONS,
      },
      true,
    );
    const { kind, options } = await chooseKind(values);
    const lab = await loadForCommand(values);
    // The topology's own scenarios (configs/scenarios for the seed, an example's scenarios/ folder).
    const dir = scenarioDirOf(lab);
    const available = existsSync(dir)
      ? readdirSync(dir)
          .filter((f) => /\.ya?ml$/.test(f))
          .sort()
      : [];
    // Every file is checked before anything runs: a typo in the fifth scenario fails now, not in ten minutes.
    const selected =
      values.all || values.quick || values.list
        ? available.map((f) => join(dir, f))
        : positionals.map((p) => resolveScenario(p, dir, available));
    if (selected.length === 0)
      throw new UsageError(
        "no scenario given",
        `name one or more of: ${available.map((f) => f.replace(/\.ya?ml$/, "")).join(", ")}, or --quick / --all`,
      );
    const scenarios = loadAll(selected, lab);
    const chosen = values.quick ? scenarios.filter((s) => s.quick) : scenarios;
    if (values.list) {
      ctx.out(
        chosen
          .map(
            (s) =>
              `${s.name.padEnd(24)} ${s.quick ? "quick" : "     "}  ${s.variants
                .map((v) => v.name)
                .join(",")
                .padEnd(14)} ${s.title}`,
          )
          .join("\n"),
      );
      return EXIT.ok;
    }
    const handle = kind.open(lab, options);
    const t0 = Date.now();
    const progress = (e: Parameters<typeof formatProgress>[0]) => ctx.err(formatProgress(e, Date.now() - t0));
    let report: RunReport;
    try {
      report = await runSuite(handle, chosen, {
        ...(values.variant?.length ? { variants: values.variant } : {}),
        signal: ctx.signal,
        progress,
        onEvent: (e) => ctx.err(formatLiveEvent(e, t0)),
        onStart: (s, v) => ctx.err(`\n=== ${s.name} [${v.name}]: ${s.title}`),
        onDone: (s, v, result) => {
          const why = result.error ?? result.skipReason;
          ctx.err(`=== ${s.name} [${v.name}]: ${result.status}${why ? ` (${why})` : ""}`);
        },
      });
      const dir = resolve(
        values.out ?? `${outputRoot()}/reports/${new Date(t0).toISOString().replace(/[:.]/g, "-")}`,
      );
      const written = await writeReports(report, dir);
      await appendStepSummary(toMarkdown(report));
      ctx.out(
        `${formatSummaryTable(report)}\n\nreports: ${written.json}, ${written.junit}, ${written.markdown}${written.svgs.length ? `, ${written.svgs.length} SVG timelines in ${dir}` : ""}`,
      );
    } finally {
      if (!values.keep) {
        await handle.down();
        ctx.err("lab removed (--keep leaves it running)");
      }
    }
    const verdict = suiteVerdict(report);
    return verdict === "interrupted" ? EXIT.interrupted : verdict === "pass" ? EXIT.ok : EXIT.failure;
  },
};

function resolveScenario(arg: string, dir: string, available: string[]): string {
  const byName = available.find((f) => f.replace(/\.ya?ml$/, "") === arg);
  if (byName) return join(dir, byName);
  if (/\.ya?ml$/.test(arg)) return resolve(arg);
  throw new UsageError(
    `unknown scenario "${arg}" in ${dir}`,
    `available: ${available.map((f) => f.replace(/\.ya?ml$/, "")).join(", ")}`,
  );
}

function loadAll(files: string[], lab: Parameters<typeof loadScenario>[1]): Scenario[] {
  const all = new Diagnostics();
  const out: Scenario[] = [];
  for (const f of files) {
    try {
      out.push(loadScenario(f, lab));
    } catch (err) {
      if (err instanceof ValidationError) all.list.push(...err.diagnostics);
      else throw err;
    }
  }
  all.throwIfAny();
  return out;
}
