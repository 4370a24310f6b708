// Bringing a netns lab up: infrastructure, then daemons in the order their timers demand
// (relay and routers first, nodes only once the routers accept BGP), then waiting until the
// seed's verification steps pass. Any failure rolls back what was created.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { refusedInManifests } from "../../cilium/field-support.ts";
import { overrideRefusals } from "../../cilium/node-override.ts";
import { type Diagnostic, ValidationError } from "../../config/diagnostics.ts";
import { bundleDaemon } from "../../emulate/bundle.ts";
import { gobgpTools, slowSpeakerNote } from "../../gobgp/binary.ts";
import { convergenceChecks, readConvergence, waitConverged } from "../../observe/convergence.ts";
import { renderBirdWrappers } from "../../render/bird.ts";
import { gobgpSpeakers, renderGobgp } from "../../render/gobgp.ts";
import type { Lab } from "../../topology/model.ts";
import { mapLimit } from "../../util/concurrency.ts";
import { LabError } from "../../util/errors.ts";
import { isAlive, processStartTime } from "../../util/processes.ts";
import { silent, step } from "../../util/progress.ts";
import type { LabHandle, UpOptions, UpResult } from "../kind.ts";
import { type WorkPaths, workPaths } from "../workdir.ts";
import { createLinks, createNamespaces } from "./build.ts";
import { type DaemonContext, startBird, startHelpers, startSpeakers, waitBgpListening } from "./daemons.ts";
import { netnsDown } from "./down.ts";
import { Journal } from "./journal.ts";
import { planNetns } from "./plan.ts";
import { checkPrerequisites } from "./prerequisites.ts";
import { offloadRelayPath } from "./relay-offload.ts";
import { serviceRefusals } from "./services.ts";

export const DEFAULT_CONVERGE_BUDGET_MS = 90_000;
/** The note about an old gobgpd is given once per process, not at every scenario's fresh lab. */
let toldSlowSpeaker = false;

/** gobgpd originates a prefix once for all its peers: attributes differing per peer are refused. */
function attributeConflicts(lab: Lab): Diagnostic[] {
  return lab.nodes.flatMap((node) =>
    gobgpSpeakers(node).flatMap((s) =>
      s.routes.flatMap((r) =>
        r.conflict
          ? [
              {
                where: node.source,
                path: `nodes.${node.name}`,
                message: `node ${node.name}, instance ${s.instance}: ${r.conflict}; the netns runtime originates a prefix once for all peers`,
                hint: "give the advertisements selected for one node the same attributes, or use --runtime clab",
              },
            ]
          : [],
      ),
    ),
  );
}

/**
 * Daemons started at once. Each start polls its daemon's API with a CLI process every 50 ms:
 * unbounded, 64 nodes meant 64 pollers forking at once on 2 cores, each start slowing the rest.
 */
const DAEMON_PARALLEL = 6;

export async function netnsUp(h: LabHandle, opts: UpOptions = {}): Promise<UpResult> {
  const { lab } = h;
  // A CRD field this runtime cannot emulate is refused before anything is created.
  const refused = [
    ...refusedInManifests(lab.cilium),
    ...overrideRefusals(lab),
    ...attributeConflicts(lab),
    ...serviceRefusals(lab),
  ];
  if (refused.length) throw new ValidationError(refused);
  const progress = opts.progress ?? silent;
  const paths = workPaths(lab.name);
  const plan = planNetns(lab);
  await checkPrerequisites();
  const slowSpeaker = slowSpeakerNote(gobgpTools());
  if (slowSpeaker && !toldSlowSpeaker) progress({ kind: "warn", message: slowSpeaker });
  toldSlowSpeaker = true;
  const owner = upInProgress(paths);
  if (owner !== null) throw anotherUp(lab.name, owner);
  if (existsSync(paths.journal)) {
    const state = await readConvergence(h);
    if (state.every((c) => c.ok)) {
      progress({ kind: "info", message: `lab ${lab.name} is already up and converged` });
      return { alreadyUp: true };
    }
    progress({
      kind: "warn",
      message: `lab ${lab.name} has leftovers of an earlier run that is not converged: removing them first`,
    });
    await netnsDown(
      paths,
      plan.namespaces.map((n) => n.name),
      progress,
    );
  }
  const t0 = performance.now();
  mkdirSync(paths.root, { recursive: true });
  const journal = new Journal(paths.journal);
  const started = {
    at: new Date().toISOString(),
    pid: process.pid,
    startTime: processStartTime(process.pid) ?? "",
  };
  // Created exclusively: of two `up`s of one lab that got here together, one stops here, before
  // it creates (or rolls back) anything of the other's.
  if (!journal.create({ kind: "started", ...started })) throw anotherUp(lab.name, upInProgress(paths));
  try {
    const bundles = await step(progress, "render configs and build helper daemons", async () => {
      writeArtifacts(paths.rendered, renderGobgp(lab));
      writeArtifacts(paths.root, renderBirdWrappers(lab, paths.root));
      mkdirSync(paths.bin, { recursive: true });
      const [helpers, kubelet] = await Promise.all([
        bundleDaemon("helpers", paths.bin),
        bundleDaemon("kubelet", paths.bin),
      ]);
      return { helpers, kubelet };
    });
    opts.signal?.throwIfAborted();
    await step(
      progress,
      "create namespaces",
      () => createNamespaces(plan, journal),
      () => `${plan.namespaces.length}`,
    );
    opts.signal?.throwIfAborted();
    await step(
      progress,
      "create links",
      () => createLinks(plan),
      () => `${plan.links.length} veth pairs, ${plan.vxlans.length} VXLAN`,
    );
    const offloadProblems = await offloadRelayPath(plan);
    if (offloadProblems.length > 0)
      progress({
        kind: "warn",
        message: `the routers receive the relay's datagrams on its own CPU, so one TCP stream across the sites is slower (docs/facts.md): ${offloadProblems.join("; ")}`,
      });
    const infraReadyMs = performance.now() - t0;
    for (const n of lab.nodes) mkdirSync(paths.nodeDir(n.name), { recursive: true });
    const ctx: DaemonContext = { lab, plan, paths, journal, bundles };
    await step(progress, "start the ZeroTier relay and the kubelet stand-ins", () =>
      startHelpers(ctx, lab.nodes),
    );
    await step(
      progress,
      "start BIRD on the routers",
      async () => {
        await mapLimit(lab.routers, DAEMON_PARALLEL, (r) => startBird(ctx, r));
        await mapLimit(lab.routers, DAEMON_PARALLEL, (r) => waitBgpListening(ctx, r));
      },
      () => lab.routers.map((r) => r.name).join(", "),
    );
    opts.signal?.throwIfAborted();
    await step(
      progress,
      "start the Cilium BGP speakers (gobgpd)",
      () => mapLimit(lab.nodes, DAEMON_PARALLEL, (n) => startSpeakers(ctx, n)),
      () => lab.nodes.map((n) => n.name).join(", "),
    );
    const daemonsReadyMs = performance.now() - t0;
    const checks = await step(progress, "wait for convergence", () =>
      waitConverged(convergenceChecks(h), {
        t0,
        budgetMs: opts.budgetMs ?? DEFAULT_CONVERGE_BUDGET_MS,
        intervalMs: 250,
        progress,
        ...(opts.signal ? { signal: opts.signal } : {}),
      }),
    );
    journal.record({ kind: "converged", at: new Date().toISOString() });
    return {
      alreadyUp: false,
      timings: { infraReadyMs, daemonsReadyMs, convergedMs: performance.now() - t0, checks },
    };
  } catch (err) {
    if (!opts.keepOnFailure) {
      progress({ kind: "warn", message: "rolling back what was created" });
      await netnsDown(
        paths,
        plan.namespaces.map((n) => n.name),
        progress,
      );
    }
    throw err;
  }
}

/**
 * The pid of another process whose `up` of this lab is still running (journal started by it, not
 * converged, and it is alive with the recorded start time), or null. Without this, a second `up`
 * takes the first one's lab for leftovers and removes it under it.
 */
function upInProgress(paths: WorkPaths): number | null {
  const entries = new Journal(paths.journal).entries();
  const last = entries.map((e) => e.kind).lastIndexOf("started");
  const start = entries[last];
  if (start?.kind !== "started" || start.pid === process.pid) return null;
  if (entries.slice(last).some((e) => e.kind === "converged")) return null;
  return isAlive(start.pid, start.startTime || undefined) ? start.pid : null;
}

function anotherUp(name: string, pid: number | null): LabError {
  return new LabError(
    `lab ${name} is being brought up by another process${pid === null ? "" : ` (pid ${pid})`}`,
    `wait for it, or interrupt it (it rolls back); then: npm run lab -- down --name ${name} if anything is left`,
  );
}

function writeArtifacts(root: string, artifacts: { path: string; content: string }[]): void {
  for (const a of artifacts) {
    const file = `${root}/${a.path}`;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, a.content);
  }
}
