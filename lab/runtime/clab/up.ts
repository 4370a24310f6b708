// Bringing a clab lab up on a machine that has the tools: prerequisites (all of them, before
// anything is created), render the artifacts into the lab's work dir, make sure the router
// image exists, run the command sequence of plan.ts (cluster, containerlab, Cilium, manifests,
// test pods), then wait for the same convergence checks as the netns runtime, read from the
// real components, and report what makes the lab less faithful (fidelity.ts). Any failure rolls
// back what was created unless --keep-on-failure.
import { existsSync, mkdirSync } from "node:fs";
import { convergenceChecks, readConvergence, waitConverged } from "../../observe/convergence.ts";
import { LabError } from "../../util/errors.ts";
import { silent, step } from "../../util/progress.ts";
import type { LabHandle, UpOptions, UpResult } from "../kind.ts";
import { type ClabOptions, clabArtifacts, clabContext, probeOf, writeArtifacts } from "./context.ts";
import type { K8sDistributionName } from "./distributions.ts";
import { clabDown } from "./down.ts";
import { fidelityWarnings } from "./fidelity.ts";
import { ensureRouterImage } from "./image.ts";
import { kubeNodes } from "./observe.ts";
import { clabPaths, readState, writeState } from "./paths.ts";
import { executePhases, planUp } from "./plan.ts";
import { type Prerequisites, requirePrerequisites } from "./prerequisites.ts";
import { type ExternalTools, HostTools } from "./tools.ts";
import { routerBaselines } from "./wan-baseline.ts";

/** Image pulls and Cilium start before the budget begins; BGP then takes seconds, not minutes. */
export const DEFAULT_CLAB_CONVERGE_BUDGET_MS = 180_000;

export interface ClabUpOptions extends UpOptions, ClabOptions {
  /** Default: real detection (PATH, Docker ping, uid). */
  prerequisites?: (k8s: K8sDistributionName, tools: ExternalTools) => Promise<Prerequisites>;
}

export async function clabUp(h: LabHandle, opts: ClabUpOptions = {}): Promise<UpResult> {
  const { lab } = h;
  const progress = opts.progress ?? silent;
  const tools = opts.tools ?? new HostTools();
  const paths = opts.paths ?? clabPaths(lab.name);
  const state = readState(paths);
  const k8s = opts.k8s ?? state?.k8s ?? "kind";
  // Nothing is created before every prerequisite is known to be there.
  const prereq = await (opts.prerequisites ?? ((d, t) => requirePrerequisites({ k8s: d, tools: t })))(
    k8s,
    tools,
  );
  if (!prereq.ciliumInstaller) throw new LabError("neither helm nor the cilium CLI is available");
  const ctx = clabContext(lab, { ...opts, k8s, tools, paths });

  if (state) {
    if (state.k8s !== k8s)
      throw new LabError(
        `lab ${lab.name} is up with ${state.k8s}, not ${k8s}`,
        `remove it first: npm run lab -- down --runtime clab${lab.name !== "xsite" ? ` --name ${lab.name}` : ""}`,
      );
    const now = await readConvergence(h);
    if (now.every((c) => c.ok)) {
      progress({ kind: "info", message: `lab ${lab.name} (clab, ${k8s}) is already up and converged` });
      return { alreadyUp: true };
    }
    progress({
      kind: "warn",
      message: `lab ${lab.name} has leftovers of an earlier clab run that is not converged: removing them first`,
    });
    await clabDown(lab, { ...opts, k8s, tools, paths, progress });
  }

  const t0 = performance.now();
  const created = { lab: lab.name, k8s, cluster: ctx.cluster, createdAt: new Date().toISOString() };
  writeState(paths, created);
  try {
    await step(
      progress,
      "render the containerlab topology, cluster config and test pods",
      async () => {
        const artifacts = clabArtifacts(lab, paths, k8s, opts.podImage);
        writeArtifacts(paths.rendered, artifacts);
        // The topology binds each router's log dir: containerlab refuses a missing bind source,
        // and BIRD (root in the container) creates its log file in it.
        for (const r of lab.routers) mkdirSync(paths.birdLogDir(r.name), { recursive: true });
        return artifacts.length;
      },
      (n) => `${n} files in ${paths.rendered}`,
    );
    await step(
      progress,
      "router image",
      () => ensureRouterImage(ctx.docker, progress),
      (r) => `${r.tag} ${r.built ? `built (${r.method})` : "present"}`,
    );
    const phases = planUp({ lab, paths, k8s, cluster: ctx.cluster, ciliumInstaller: prereq.ciliumInstaller });
    const cut = phases.findIndex((p) => p.name === "fetch the kubeconfig") + 1;
    await executePhases(phases.slice(0, cut), tools, {
      progress,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    const infraReadyMs = performance.now() - t0;
    await executePhases(phases.slice(cut), tools, {
      progress,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    const daemonsReadyMs = performance.now() - t0;
    // The internet path between the sites, before BGP's timers are measured over it.
    await step(
      progress,
      "the internet path (zerotier.paths) as netem on zt0",
      () => h.faults.linkReset(),
      (how) => how,
    );
    const probe = probeOf(ctx);
    const checks = await step(progress, "wait for convergence", () =>
      waitConverged(convergenceChecks(h), {
        t0,
        budgetMs: opts.budgetMs ?? DEFAULT_CLAB_CONVERGE_BUDGET_MS,
        intervalMs: 2000,
        progress,
        ...(opts.signal ? { signal: opts.signal } : {}),
      }),
    );
    const warnings = [
      ...(await fidelityWarnings(probe, await kubeNodes(probe))),
      ...routerBaselines(lab).warnings,
    ];
    for (const w of warnings) progress({ kind: "warn", message: w });
    writeState(paths, { ...created, convergedAt: new Date().toISOString() });
    return {
      alreadyUp: false,
      timings: { infraReadyMs, daemonsReadyMs, convergedMs: performance.now() - t0, checks },
      warnings,
    };
  } catch (err) {
    if (!opts.keepOnFailure && existsSync(paths.state)) {
      progress({ kind: "warn", message: "rolling back what was created" });
      // Not the signal: an interrupted up must still be able to clean up after itself.
      const { signal: _interrupted, ...rest } = opts;
      await clabDown(lab, { ...rest, k8s, tools, paths, progress }).catch((e: Error) =>
        progress({ kind: "warn", message: `rollback incomplete: ${e.message}` }),
      );
    }
    throw err;
  }
}
