// `lab diff`: two config trees from git, each brought up as its own lab side by side, snapshotted,
// put through the same scenarios, and removed in every case (error, interrupt); then what differs.
// Everything that can be refused (refs, configs, guards, intent, scenario names, lab names) is
// refused before the first lab exists.
import { existsSync, readdirSync, rmdirSync, rmSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { checkGuards, type MetricValues } from "../guards/check.ts";
import { loadGuards } from "../guards/load.ts";
import type { KindOptions, LabHandle, RuntimeKind } from "../runtime/kind.ts";
import { loadScenario } from "../scenario/load.ts";
import type { Scenario } from "../scenario/model.ts";
import { runSuite } from "../scenario/suite.ts";
import type { RunReport } from "../scenario/types.ts";
import { takeSnapshot } from "../snapshot/index.ts";
import type { Snapshot } from "../snapshot/model.ts";
import { LAB_NAME } from "../topology/elements.ts";
import { loadLab } from "../topology/load.ts";
import type { Lab } from "../topology/model.ts";
import { UsageError } from "../util/errors.ts";
import type { ProgressSink } from "../util/progress.ts";
import { diffSnapshots } from "./compare.ts";
import { checkIntent, type Intent, loadIntent } from "./intent.ts";
import {
  CONFIG_DIR,
  type ConfigTree,
  materialiseRef,
  materialiseWorkingTree,
  resolveRef,
} from "./materialise.ts";
import { compareMetrics } from "./metrics.ts";
import type { DiffReport, ScenarioStatusDiff } from "./model.ts";
import { type Settled, upUntilSettled } from "./settle.ts";
import { decide, differenceNames } from "./verdict.ts";

export type ScenarioChoice = "quick" | "none" | string[];

export interface DiffOptions {
  repo: string;
  base: string;
  /** A ref, or undefined for the working tree. */
  head?: string;
  /** The topology inside the repository (default configs/topology.yaml). */
  topology?: string;
  scenarios: ScenarioChoice;
  repeat: number;
  /** Prefix of the two lab names: <name>b and <name>h. */
  name: string;
  kind: RuntimeKind;
  kindOptions?: KindOptions;
  /** Where the trees and reports go. */
  dir: string;
  intentFile?: string;
  failOnChange?: boolean;
  budgetMs?: number;
  signal?: AbortSignal;
  progress: ProgressSink;
  /** Each scenario run as it ends, for the live view. */
  onScenario?: (side: "base" | "head", line: string) => void;
}

interface Side {
  tree: ConfigTree;
  lab: Lab;
  scenarios: Scenario[];
  handle: LabHandle;
}

export const DEFAULT_TOPOLOGY = `${CONFIG_DIR}/topology.yaml`;

/** The lab names of a diff; both must be valid lab names. */
export function diffLabNames(name: string): { base: string; head: string } {
  const names = { base: `${name}b`, head: `${name}h` };
  if (!LAB_NAME.test(names.base))
    throw new UsageError(
      `--name "${name}" cannot name the two labs (${names.base}, ${names.head})`,
      "lowercase letters and digits, starting with a letter, at most 7 (b and h are added)",
    );
  return names;
}

function scenarioFiles(tree: ConfigTree): Map<string, string> {
  const dir = join(tree.dir, "scenarios");
  if (!existsSync(dir)) return new Map();
  return new Map(
    readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()
      .map((f) => [f.replace(/\.ya?ml$/, ""), join(dir, f)]),
  );
}

/** The scenarios of one side: the quick ones of its own tree, or the named ones it has. */
function scenariosOf(tree: ConfigTree, lab: Lab, choice: ScenarioChoice): Scenario[] {
  if (choice === "none") return [];
  const files = scenarioFiles(tree);
  if (choice === "quick") return [...files.values()].map((f) => loadScenario(f, lab)).filter((s) => s.quick);
  return choice.flatMap((n) => {
    const f = files.get(n);
    return f ? [loadScenario(f, lab)] : [];
  });
}

async function materialise(opts: DiffOptions): Promise<{ base: ConfigTree; head: ConfigTree }> {
  // Refs first: a typo in --head must not leave a half-extracted base behind.
  await resolveRef(opts.repo, opts.base);
  if (opts.head !== undefined) await resolveRef(opts.repo, opts.head);
  for (const side of ["base", "head"]) rmSync(join(opts.dir, side), { recursive: true, force: true });
  const base = await materialiseRef(opts.repo, opts.base, join(opts.dir, "base"));
  const head =
    opts.head === undefined
      ? materialiseWorkingTree(opts.repo, join(opts.dir, "head"))
      : await materialiseRef(opts.repo, opts.head, join(opts.dir, "head"));
  return { base, head };
}

function topologyIn(tree: ConfigTree, topology: string): string {
  const inside = relative(CONFIG_DIR, topology);
  if (inside.startsWith("..") || resolve("/", inside) !== `/${inside}`)
    throw new UsageError(`--topology ${topology} is not inside ${CONFIG_DIR}/`, `e.g. ${DEFAULT_TOPOLOGY}`);
  return join(tree.dir, inside);
}

/** Everything that can be refused, refused before any lab exists. */
async function prepare(
  opts: DiffOptions,
): Promise<{ base: Side; head: Side; intent: Intent | null; guards: ReturnType<typeof loadGuards> }> {
  if (!(Number.isInteger(opts.repeat) && opts.repeat >= 1 && opts.repeat <= 20))
    throw new UsageError(`--repeat ${opts.repeat}: must be a whole number from 1 to 20`);
  const names = diffLabNames(opts.name);
  const intent = opts.intentFile ? loadIntent(opts.intentFile) : null;
  const trees = await materialise(opts);
  const topology = opts.topology ?? DEFAULT_TOPOLOGY;
  const side = async (which: "base" | "head"): Promise<Side> => {
    const tree = trees[which];
    const lab = { ...(await loadLab(topologyIn(tree, topology))), name: names[which] };
    return {
      tree,
      lab,
      scenarios: scenariosOf(tree, lab, opts.scenarios),
      handle: opts.kind.open(lab, opts.kindOptions),
    };
  };
  const base = await side("base");
  const head = await side("head");
  const guards = loadGuards(head.lab);
  if (Array.isArray(opts.scenarios)) {
    const known = new Set([...scenarioFiles(trees.base).keys(), ...scenarioFiles(trees.head).keys()]);
    const unknown = opts.scenarios.filter((n) => !known.has(n));
    if (unknown.length)
      throw new UsageError(
        `unknown scenario ${unknown.map((n) => `"${n}"`).join(", ")}`,
        `available: ${[...known].join(", ")}, or quick, none`,
      );
  }
  for (const s of [base, head])
    if (s.handle.isUp())
      throw new UsageError(
        `${opts.kind.labTitle} ${s.lab.name} already exists: a diff brings up its own two labs`,
        `pick another --name, or remove it with: npm run lab -- down --name ${s.lab.name}`,
      );
  return { base, head, intent, guards };
}

const metricValues =
  (runs: readonly RunReport[]): MetricValues =>
  (scenario, metric) => {
    const results = runs
      .flatMap((r) => r.results)
      .filter((r) => r.scenario === scenario && r.status !== "skipped");
    return results.length
      ? results.map((r) => r.metrics.find((m) => m.name === metric)?.value ?? null)
      : null;
  };

function statusDiff(base: readonly RunReport[], head: readonly RunReport[]): ScenarioStatusDiff[] {
  const all = [...base, ...head].flatMap((r) => r.results);
  const keys = [...new Set(all.map((r) => `${r.scenario}|${r.variant}`))];
  return keys.map((k) => {
    const [scenario = "", variant = ""] = k.split("|");
    const of = (runs: readonly RunReport[]) =>
      runs
        .flatMap((r) => r.results)
        .filter((r) => r.scenario === scenario && r.variant === variant)
        .map((r) => r.status);
    return { scenario, variant, base: of(base), head: of(head) };
  });
}

export async function runDiff(opts: DiffOptions): Promise<DiffReport> {
  const startedAt = Date.now();
  const say = (message: string) => opts.progress({ kind: "info", message });
  const { base, head, intent, guards } = await prepare(opts).catch((err: unknown) => {
    // Bad input leaves nothing behind, not even the extracted trees.
    for (const side of ["base", "head"]) rmSync(join(opts.dir, side), { recursive: true, force: true });
    if (existsSync(opts.dir) && readdirSync(opts.dir).length === 0) rmdirSync(opts.dir);
    throw err;
  });
  const sides = [base, head] as const;
  await Promise.all(sides.map((s) => s.handle.preflight(s.scenarios.length ? "scenarios" : "up")));
  const settled: { base: Settled | null; head: Settled | null } = { base: null, head: null };
  const snapshots: { base: Snapshot | null; head: Snapshot | null } = { base: null, head: null };
  const runs: { base: RunReport[]; head: RunReport[] } = { base: [], head: [] };
  const notRun: string[] = [];
  try {
    say(
      `bringing up ${base.lab.name} (${base.tree.ref}) and ${head.lab.name} (${head.tree.ref}) side by side`,
    );
    const [b, h] = await Promise.all(
      sides.map((s) =>
        upUntilSettled(s.handle, {
          ...(opts.budgetMs !== undefined ? { budgetMs: opts.budgetMs } : {}),
          ...(opts.signal ? { signal: opts.signal } : {}),
        }),
      ),
    );
    settled.base = b ?? null;
    settled.head = h ?? null;
    for (const [which, s] of [
      ["base", b],
      ["head", h],
    ] as const)
      say(
        `${which}: ${s?.converged ? "converged" : "settled without converging"} in ${((s?.ms ?? 0) / 1000).toFixed(1)} s`,
      );
    // One after the other: both at once doubled the load that starved BIRD's control sockets.
    snapshots.base = await takeSnapshot(base.handle);
    snapshots.head = await takeSnapshot(head.handle);
    say("snapshots taken");
    const runnable = sides.map((s, i) => {
      const ok = (i === 0 ? b : h)?.converged ?? false;
      if (!ok && s.scenarios.length)
        notRun.push(
          `${s === base ? "base" : "head"}: ${s.scenarios.map((x) => x.name).join(", ")} (the lab did not converge)`,
        );
      return ok ? s.scenarios : [];
    });
    for (let i = 0; i < opts.repeat && runnable.some((x) => x.length); i++) {
      if (opts.signal?.aborted) break;
      say(
        `scenarios, run ${i + 1} of ${opts.repeat}: ${[...new Set(runnable.flat().map((s) => s.name))].join(", ")}`,
      );
      // Both labs at once: each is its own set of namespaces and daemons, and the figures are
      // bounded by protocol timers, not by the CPU.
      const [rb, rh] = await Promise.all(
        sides.map((s, j) =>
          runSuite(s.handle, runnable[j] ?? [], {
            // One signal per side: two suites' waits on one signal pass Node's listener warning.
            ...(opts.signal ? { signal: AbortSignal.any([opts.signal]) } : {}),
            onDone: (sc, v, r) =>
              opts.onScenario?.(
                j === 0 ? "base" : "head",
                `${sc.name} [${v.name}] run ${i + 1}: ${r.status}${r.error ? ` (${r.error})` : ""}`,
              ),
          }),
        ),
      );
      if (rb) runs.base.push(rb);
      if (rh) runs.head.push(rh);
    }
  } finally {
    say(`removing ${base.lab.name} and ${head.lab.name}`);
    await Promise.allSettled(sides.map((s) => s.handle.down()));
  }
  const interrupted = opts.signal?.aborted ?? false;
  const changes =
    snapshots.base && snapshots.head
      ? diffSnapshots(snapshots.base, snapshots.head)
      : { sessions: [], routes: [], exports: [], fib: [], nodeRoutes: [], reachability: [] };
  const metrics = compareMetrics(
    runs.base,
    runs.head,
    { base: base.scenarios, head: head.scenarios },
    head.lab,
  );
  const scenarioStatus = statusDiff(runs.base, runs.head);
  const guardResults = snapshots.head
    ? checkGuards(snapshots.head, head.lab, guards, metricValues(runs.head))
    : [];
  const differences = differenceNames(changes, metrics, scenarioStatus, {
    base: settled.base?.converged ?? null,
    head: settled.head?.converged ?? null,
  });
  const partial = {
    guards: guardResults,
    changes,
    differences,
    intent: intent ? checkIntent(intent, differences) : null,
    interrupted,
  };
  return {
    base: { ...base.tree, lab: base.lab.name, settled: settled.base },
    head: { ...head.tree, lab: head.lab.name, settled: settled.head },
    runtime: opts.kind.name,
    startedAt,
    endedAt: Date.now(),
    scenarios: [...new Set([...base.scenarios, ...head.scenarios].map((s) => s.name))],
    repeat: opts.repeat,
    failOnChange: opts.failOnChange ?? false,
    snapshots,
    metrics,
    scenarioStatus,
    notRun,
    ...partial,
    verdict: decide(partial, { failOnChange: opts.failOnChange ?? false }),
  };
}
