import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  appendStepSummary,
  formatLiveEvent,
  formatSummaryTable,
  toMarkdown,
  writeReports,
} from "../../lab/report/scenario/index.ts";
import { labsRoot } from "../../lab/runtime/workdir.ts";
import { selectDriver } from "../../lab/scenario/driver.ts";
import { runScenario } from "../../lab/scenario/engine.ts";
import { loadScenario, SCENARIO_DIR } from "../../lab/scenario/load.ts";
import type { Scenario } from "../../lab/scenario/model.ts";
import type { RunReport } from "../../lab/scenario/types.ts";
import { Diagnostics, ValidationError } from "../../lab/topology/diagnostics.ts";
import { formatProgress } from "../../lab/util/progress.ts";
import { COMMON_OPTIONS, type Command, EXIT, parse, UsageError } from "../cli-kit.ts";
import { loadForCommand } from "./load.ts";
import { runtimeChoice } from "./up.ts";

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
        runtime: { type: "string", default: "netns" },
        k8s: { type: "string" },
        "pod-image": { type: "string" },
      },
      true,
    );
    const choice = runtimeChoice(values);
    const lab = await loadForCommand(values);
    const available = readdirSync(SCENARIO_DIR)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort();
    // Every file is checked before anything runs: a typo in the fifth scenario fails now, not in ten minutes.
    const selected =
      values.all || values.quick || values.list
        ? available.map((f) => join(SCENARIO_DIR, f))
        : positionals.map((p) => resolveScenario(p, available));
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
    const driver = await selectDriver(choice.name, {
      ...(choice.k8s ? { k8s: choice.k8s } : {}),
      ...(choice.podImage ? { podImage: choice.podImage } : {}),
    });
    // What the runtime needs is checked once, before the first scenario, not once per scenario.
    if (chosen.some((s) => driver.unsupported(s).length === 0)) await driver.preflight(lab);
    const t0 = Date.now();
    const report: RunReport = {
      lab: lab.name,
      runtime: driver.runtime,
      startedAt: t0,
      endedAt: t0,
      interrupted: false,
      results: [],
    };
    const progress = (e: Parameters<typeof formatProgress>[0]) => ctx.err(formatProgress(e, Date.now() - t0));
    try {
      for (const s of chosen) {
        const variants = values.variant?.length
          ? s.variants.filter((v) => values.variant?.includes(v.name))
          : s.variants;
        for (const v of variants) {
          if (ctx.signal.aborted) break;
          ctx.err(`\n=== ${s.name} [${v.name}]: ${s.title}`);
          const result = await runScenario(lab, s, v, {
            driver,
            signal: ctx.signal,
            progress,
            onEvent: (e) => ctx.err(formatLiveEvent(e, t0)),
          });
          report.results.push(result);
          const why = result.error ?? result.skipReason;
          ctx.err(`=== ${s.name} [${v.name}]: ${result.status}${why ? ` (${why})` : ""}`);
        }
      }
    } finally {
      report.interrupted = ctx.signal.aborted;
      report.endedAt = Date.now();
      const dir = resolve(
        values.out ?? `${labsRoot()}/reports/${new Date(t0).toISOString().replace(/[:.]/g, "-")}`,
      );
      const written = await writeReports(report, dir);
      await appendStepSummary(toMarkdown(report));
      ctx.out(
        `${formatSummaryTable(report)}\n\nreports: ${written.json}, ${written.junit}, ${written.markdown}${written.svgs.length ? `, ${written.svgs.length} SVG timelines in ${dir}` : ""}`,
      );
      if (!values.keep) {
        await driver.down(lab);
        ctx.err("lab removed (--keep leaves it running)");
      }
    }
    if (report.interrupted) return EXIT.interrupted;
    // A scenario its runtime cannot run is reported as skipped, with why, and fails nothing.
    const ran = report.results.filter((r) => r.status !== "skipped");
    return ran.every((r) => r.status === "pass" && r.metrics.every((m) => m.withinBound !== false))
      ? EXIT.ok
      : EXIT.failure;
  },
};

function resolveScenario(arg: string, available: string[]): string {
  const byName = available.find((f) => f.replace(/\.ya?ml$/, "") === arg);
  if (byName) return join(SCENARIO_DIR, byName);
  if (/\.ya?ml$/.test(arg)) return resolve(arg);
  throw new UsageError(
    `unknown scenario "${arg}"`,
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
