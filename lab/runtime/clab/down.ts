// Removing a clab lab: `containerlab destroy -t <topology> --cleanup` (its k8s-kind node deletes
// the kind cluster), `k3d cluster delete` for k3d, then the lab's work dir. The state file says
// which distribution and cluster a crashed `up` left; the topology file is rendered again when
// it is gone. Idempotent: a lab with no state and no containers is "not running".
import { existsSync, rmSync } from "node:fs";
import { clabTopologyPath } from "../../render/paths.ts";
import type { Lab } from "../../topology/model.ts";
import { LabError } from "../../util/errors.ts";
import { silent } from "../../util/progress.ts";
import type { DownOptions, DownResult } from "../kind.ts";
import { type ClabContext, type ClabOptions, clabArtifacts, clabContext, writeArtifacts } from "./context.ts";
import { clabPaths, readState } from "./paths.ts";
import { executePhases, planDown } from "./plan.ts";
import { installHints } from "./prerequisites.ts";

/** Container labels: containerlab's own, kind's and k3d's. */
export function labContainerLabels(
  ctx: Pick<ClabContext, "lab" | "k8s" | "cluster">,
): Record<string, string>[] {
  return [
    { containerlab: ctx.lab.name },
    ctx.k8s === "kind" ? { "io.x-k8s.kind.cluster": ctx.cluster } : { "k3d.cluster": ctx.cluster },
  ];
}

async function countContainers(ctx: ClabContext): Promise<number> {
  const names = new Set<string>();
  for (const labels of labContainerLabels(ctx))
    for (const c of await ctx.control.containers.list(labels)) names.add(c.name);
  return names.size;
}

export async function clabDown(lab: Lab, opts: DownOptions & ClabOptions = {}): Promise<DownResult> {
  const progress = opts.progress ?? silent;
  // What an earlier up recorded wins over the options: down removes what exists.
  const state = readState(opts.paths ?? clabPaths(lab.name));
  const ctx = clabContext(lab, { ...opts, ...(state ? { k8s: state.k8s } : {}) });
  let containers: number;
  try {
    containers = await countContainers(ctx);
  } catch (err) {
    if (!state) return { removed: { containers: 0 }, found: false, summary: "nothing to remove" };
    throw new LabError(
      `cannot remove clab lab ${lab.name}: ${(err as Error).message}`,
      "start the Docker engine the lab runs on, then run down again",
    );
  }
  if (!state && containers === 0) {
    if (existsSync(ctx.paths.root)) rmSync(ctx.paths.root, { recursive: true, force: true });
    return { removed: { containers: 0 }, found: false, summary: "nothing to remove" };
  }
  const needed = ["containerlab", ...(ctx.k8s === "k3d" ? ["k3d"] : [])];
  const missing = needed.filter((c) => ctx.tools.which(c) === undefined);
  if (missing.length) {
    const hints = installHints();
    throw new LabError(
      `cannot remove clab lab ${lab.name} (${containers} containers): ${missing.join(", ")} not found on PATH`,
      missing.map((m) => `install ${m}: ${hints[m]}`).join("\n"),
    );
  }
  if (!existsSync(ctx.paths.clabTopology))
    writeArtifacts(
      ctx.paths.rendered,
      clabArtifacts(lab, ctx.paths, ctx.k8s).filter((a) => a.path === clabTopologyPath(lab)),
    );
  await executePhases(planDown({ paths: ctx.paths, k8s: ctx.k8s, cluster: ctx.cluster }), ctx.tools, {
    progress,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  rmSync(ctx.paths.root, { recursive: true, force: true });
  return {
    removed: { containers, clusters: 1 },
    found: true,
    summary: `${containers} containers removed, ${ctx.k8s} cluster ${ctx.cluster} deleted`,
  };
}
