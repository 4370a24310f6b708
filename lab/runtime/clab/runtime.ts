// The clab runtime behind the Runtime interface (see up.ts, down.ts, and fidelity.ts for what it
// does less faithfully than the real sites).
import type { Lab } from "../../topology/model.ts";
import { table } from "../../util/table.ts";
import type {
  CheckResult,
  ConvergenceReader,
  DownOptions,
  DownResult,
  K8sDistributionName,
  Runtime,
  StatusReporter,
  UpOptions,
  UpResult,
} from "../runtime.ts";
import { type ClabOptions, clabContext, probeOf } from "./context.ts";
import { clabConvergenceState } from "./converge.ts";
import { clabDown } from "./down.ts";
import { readState } from "./paths.ts";
import { clabUp } from "./up.ts";

export class ClabRuntime implements Runtime, ConvergenceReader, StatusReporter {
  readonly name = "clab" as const;

  constructor(readonly options: ClabOptions = {}) {}

  get k8s(): K8sDistributionName | undefined {
    return this.options.k8s;
  }

  up(lab: Lab, opts: UpOptions = {}): Promise<UpResult> {
    return clabUp(lab, { ...this.options, ...opts });
  }

  down(lab: Lab, opts: DownOptions = {}): Promise<DownResult> {
    return clabDown(lab, { ...this.options, ...opts });
  }

  convergence(lab: Lab): Promise<CheckResult[]> {
    return clabConvergenceState(probeOf(clabContext(lab, this.options)));
  }

  async status(lab: Lab): Promise<{ data: unknown; text: string }> {
    const ctx = clabContext(lab, this.options);
    const state = readState(ctx.paths);
    const checks = await clabConvergenceState(probeOf(ctx));
    const rows = checks.map((c) => [c.ok ? "ok" : "FAIL", c.name, c.problems.join("; ")]);
    const text = [
      `clab lab ${lab.name}: ${ctx.k8s} cluster ${ctx.cluster}${state?.convergedAt ? `, converged at ${state.convergedAt}` : ""}`,
      table(["", "Check", "Problems"], rows, 2),
    ].join("\n");
    return {
      data: { runtime: "clab", k8s: ctx.k8s, cluster: ctx.cluster, state: state ?? null, checks },
      text,
    };
  }
}
