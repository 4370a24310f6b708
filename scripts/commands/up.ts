import { formatFindings, hasErrors, lintLab, summarizeFindings } from "../../lab/lint/lint.ts";
import { collectStatus, formatNodes, formatRouters, formatRoutes } from "../../lab/report/status.ts";
import { Journal } from "../../lab/runtime/netns/journal.ts";
import { DEFAULT_CONVERGE_BUDGET_MS, netnsUp } from "../../lab/runtime/netns/up.ts";
import { workPaths } from "../../lab/runtime/workdir.ts";
import { LabError } from "../../lab/util/errors.ts";
import { formatProgress } from "../../lab/util/progress.ts";
import { COMMON_OPTIONS, type Command, EXIT, parse, parseDuration, UsageError } from "../cli-kit.ts";
import { loadForCommand } from "./load.ts";

export const up: Command = {
  name: "up",
  summary: "bring the lab up and wait until it has converged (sessions, FIBs, pod ping, kubelet)",
  usage:
    "lab up [--topology FILE] [--name LAB] [--runtime netns|clab] [--budget 90s] [--keep-on-failure] [--json]",
  async run(argv, ctx) {
    const { values } = parse(this, argv, {
      ...COMMON_OPTIONS,
      runtime: { type: "string", default: "netns" },
      budget: { type: "string" },
      "keep-on-failure": { type: "boolean" },
    });
    if (values.runtime !== "netns") {
      throw new UsageError(
        `runtime "${values.runtime}" is not available in this version`,
        "the default runtime is netns (Linux network namespaces)",
      );
    }
    const lab = await loadForCommand(values, { birdCheck: true });
    // Lint first: errors stop here, before anything is created; warnings are shown.
    const findings = lintLab(lab);
    if (findings.length && !values.json)
      ctx.err(
        formatFindings(
          findings.filter((f) => f.severity !== "info"),
          { relativeTo: lab.configDir },
        ),
      );
    if (hasErrors(findings))
      throw new LabError(
        `lint found errors in the configs (${summarizeFindings(findings)})`,
        "fix them, or run `npm run lab -- lint` for details",
      );
    const start = performance.now();
    const progress = values.json
      ? () => {}
      : (e: Parameters<typeof formatProgress>[0]) => ctx.err(formatProgress(e, performance.now() - start));
    const result = await netnsUp(lab, {
      progress,
      budgetMs: values.budget ? parseDuration("--budget", values.budget) : DEFAULT_CONVERGE_BUDGET_MS,
      signal: ctx.signal,
      keepOnFailure: values["keep-on-failure"] ?? false,
    });
    const paths = workPaths(lab.name);
    const status = await collectStatus(lab, paths, new Journal(paths.journal));
    if (values.json) {
      ctx.out(
        JSON.stringify(
          { lab: lab.name, alreadyUp: result.alreadyUp, timings: result.timings ?? null, status },
          null,
          2,
        ),
      );
      return EXIT.ok;
    }
    const t = result.timings;
    ctx.out(
      [
        result.alreadyUp
          ? `lab ${lab.name} was already up`
          : `lab ${lab.name} converged in ${((t?.convergedMs ?? 0) / 1000).toFixed(1)} s (infrastructure ${((t?.infraReadyMs ?? 0) / 1000).toFixed(2)} s, daemons ${((t?.daemonsReadyMs ?? 0) / 1000).toFixed(2)} s)`,
        "",
        "Nodes (cilium bgp peers)",
        formatNodes(status.nodes),
        "",
        "Routers (birdc show protocols)",
        formatRouters(status.routers),
        "",
        formatRoutes(status.routes),
      ].join("\n"),
    );
    return EXIT.ok;
  },
};
