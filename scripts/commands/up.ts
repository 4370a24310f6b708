import { formatFindings, hasErrors, lintLab, summarizeFindings } from "../../lab/lint/lint.ts";
import { collectStatus } from "../../lab/observe/status.ts";
import { LabError } from "../../lab/util/errors.ts";
import { formatProgress } from "../../lab/util/progress.ts";
import { COMMON_OPTIONS, type Command, EXIT, parse, parseDuration } from "../cli-kit.ts";
import { chooseKind, KIND_OPTIONS, loadForCommand } from "./load.ts";

export const up: Command = {
  name: "up",
  summary: "bring the lab up and wait until it has converged (sessions, FIBs, pod ping, kubelet)",
  usage:
    "lab up [--topology FILE] [--name LAB] [--runtime netns|clab [--k8s kind|k3d] [--pod-image IMAGE]] [--budget 90s] [--keep-on-failure] [--json]",
  async run(argv, ctx) {
    const { values } = parse(this, argv, {
      ...COMMON_OPTIONS,
      ...KIND_OPTIONS,
      budget: { type: "string" },
      "keep-on-failure": { type: "boolean" },
    });
    const choice = await chooseKind(values);
    // Every argument is checked before the (slower) loading and linting.
    const budgetMs = values.budget ? parseDuration("--budget", values.budget) : undefined;
    // `bird -p` checks the real configs before anything runs, where BIRD is on the host (a kind
    // that runs BIRD in its router image does not need it there).
    const lab = await loadForCommand(values, {
      birdCheck: "if-installed",
      note: values.json ? undefined : ctx.err,
    });
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
    const handle = choice.kind.open(lab, choice.options);
    const result = await handle.up({
      progress,
      ...(budgetMs !== undefined ? { budgetMs } : {}),
      signal: ctx.signal,
      keepOnFailure: values["keep-on-failure"] ?? false,
    });
    const status = await collectStatus(handle);
    // Fidelity warnings only from kinds that have them.
    const extra = result.warnings ? { runtime: handle.kind.name, warnings: result.warnings } : {};
    if (values.json) {
      ctx.out(
        JSON.stringify(
          {
            lab: lab.name,
            ...extra,
            alreadyUp: result.alreadyUp,
            timings: result.timings ?? null,
            status: status?.data ?? null,
          },
          null,
          2,
        ),
      );
      return EXIT.ok;
    }
    const t = result.timings;
    const warnings = result.warnings ?? [];
    ctx.out(
      [
        result.alreadyUp
          ? `lab ${lab.name} was already up`
          : `lab ${lab.name} converged in ${((t?.convergedMs ?? 0) / 1000).toFixed(1)} s (infrastructure ${((t?.infraReadyMs ?? 0) / 1000).toFixed(2)} s, daemons ${((t?.daemonsReadyMs ?? 0) / 1000).toFixed(2)} s)`,
        ...(status ? ["", status.text] : []),
        ...(warnings.length ? ["", "Fidelity warnings", ...warnings.map((w) => `  - ${w}`)] : []),
      ].join("\n"),
    );
    return EXIT.ok;
  },
};
