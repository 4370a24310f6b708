import { findExecutable } from "../../lab/docker/tools.ts";
import { formatFindings, hasErrors, lintLab, summarizeFindings } from "../../lab/lint/lint.ts";
import {
  canReportStatus,
  isK8sDistribution,
  isRuntimeName,
  K8S_DISTRIBUTIONS,
  RUNTIME_NAMES,
  type RuntimeName,
  selectRuntime,
} from "../../lab/runtime/runtime.ts";
import { LabError } from "../../lab/util/errors.ts";
import { formatProgress } from "../../lab/util/progress.ts";
import { COMMON_OPTIONS, type Command, EXIT, parse, parseDuration, UsageError } from "../cli-kit.ts";
import { loadForCommand } from "./load.ts";

/** --runtime, --k8s and --pod-image as the runtime registry takes them; bad values are usage errors. */
export function runtimeChoice(values: { runtime?: string; k8s?: string; "pod-image"?: string }): {
  name: RuntimeName;
  k8s?: (typeof K8S_DISTRIBUTIONS)[number];
  podImage?: string;
} {
  const name = values.runtime ?? "netns";
  if (!isRuntimeName(name))
    throw new UsageError(
      `runtime "${name}" is not supported`,
      `supported runtimes are: ${RUNTIME_NAMES.join(", ")}`,
    );
  const clabOnly = [
    values.k8s !== undefined ? "--k8s" : "",
    values["pod-image"] !== undefined ? "--pod-image" : "",
  ]
    .filter(Boolean)
    .join(", ");
  if (name === "netns" && clabOnly)
    throw new UsageError(
      `${clabOnly}: only the clab runtime runs Kubernetes`,
      "add --runtime clab, or leave it out",
    );
  if (values.k8s !== undefined && !isK8sDistribution(values.k8s))
    throw new UsageError(
      `--k8s "${values.k8s}" is not supported`,
      `supported distributions are: ${K8S_DISTRIBUTIONS.join(", ")}`,
    );
  return {
    name,
    ...(values.k8s !== undefined ? { k8s: values.k8s } : {}),
    ...(values["pod-image"] !== undefined ? { podImage: values["pod-image"] } : {}),
  };
}

export const up: Command = {
  name: "up",
  summary: "bring the lab up and wait until it has converged (sessions, FIBs, pod ping, kubelet)",
  usage:
    "lab up [--topology FILE] [--name LAB] [--runtime netns|clab [--k8s kind|k3d] [--pod-image IMAGE]] [--budget 90s] [--keep-on-failure] [--json]",
  async run(argv, ctx) {
    const { values } = parse(this, argv, {
      ...COMMON_OPTIONS,
      runtime: { type: "string", default: "netns" },
      k8s: { type: "string" },
      "pod-image": { type: "string" },
      budget: { type: "string" },
      "keep-on-failure": { type: "boolean" },
    });
    const choice = runtimeChoice(values);
    // Every argument is checked before the (slower) loading and linting.
    const budgetMs = values.budget ? parseDuration("--budget", values.budget) : undefined;
    // `bird -p` checks the real configs before anything runs. The netns runtime needs BIRD on the
    // host anyway; the clab runtime runs it in the router image, so a host without it skips the check.
    const birdCheck = choice.name === "netns" || findExecutable("bird") !== undefined;
    if (!birdCheck && !values.json)
      ctx.err(
        "note: bird is not installed on this host: the BIRD configs are checked when the routers start",
      );
    const lab = await loadForCommand(values, { birdCheck });
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
    const runtime = await selectRuntime(choice.name, {
      ...(choice.k8s ? { k8s: choice.k8s } : {}),
      ...(choice.podImage ? { podImage: choice.podImage } : {}),
    });
    const result = await runtime.up(lab, {
      progress,
      ...(budgetMs !== undefined ? { budgetMs } : {}),
      signal: ctx.signal,
      keepOnFailure: values["keep-on-failure"] ?? false,
    });
    const status = canReportStatus(runtime) ? await runtime.status(lab) : undefined;
    // The netns runtime's output is unchanged; other runtimes add their name and fidelity warnings.
    const extra = runtime.name === "netns" ? {} : { runtime: runtime.name, warnings: result.warnings ?? [] };
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
