// Recognising the leftovers of labs from what the machine shows: network namespaces named
// `<lab>-<element>` (a lab always has `<lab>-inet`, the marker that tells a lab from anything else
// with a dash in its name), work directories `<labsRoot>/<lab>/` holding a journal, and the
// processes running inside lab namespaces. Collecting is separate from judging, so the judging
// (leftoverFindings) is a pure function the tests feed with any state they like.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { LAB_NAME } from "../../topology/elements.ts";
import type { MachineFinding as Finding } from "../../util/finding.ts";
import type { Probe } from "../../util/machine.ts";
import { labsRoot } from "../workdir.ts";
import { Journal, type JournalEntry } from "./journal.ts";

export { LAB_NAME };
/** Every lab has this namespace (plan.ts: the internet relay's); it marks the prefix as a lab's. */
export const MARKER_ELEMENT = "inet";
/** Daemons the netns runtime starts that matter most when left running. */
export const LAB_DAEMONS = ["bird", "gobgpd"];
const SCRATCH = /^labdoctor(\d+)$/;

/** The lab a namespace name would belong to (the text before the first "-"), or null. */
export function labOfNamespace(ns: string): string | null {
  const dash = ns.indexOf("-");
  if (dash < 1 || dash === ns.length - 1) return null;
  const name = ns.slice(0, dash);
  return LAB_NAME.test(name) ? name : null;
}

/** Labs present among `namespaces` (those with a `<lab>-inet`), each with all of its namespaces. */
export function recognisedLabs(namespaces: readonly string[]): Map<string, string[]> {
  const present = new Set(namespaces);
  const labs = new Map<string, string[]>();
  for (const ns of namespaces) {
    const lab = labOfNamespace(ns);
    if (lab === null || !present.has(`${lab}-${MARKER_ELEMENT}`)) continue;
    const list = labs.get(lab) ?? [];
    list.push(ns);
    labs.set(lab, list);
  }
  for (const list of labs.values()) list.sort();
  return labs;
}

export interface LabWorkDir {
  lab: string;
  root: string;
  journal: string;
}

/** Work directories under the labs root that hold a journal (render output alone is not a lab). */
export function labWorkDirs(root = labsRoot()): LabWorkDir[] {
  let names: string[];
  try {
    names = readdirSync(root, { withFileTypes: true })
      .filter((d) => d.isDirectory() && LAB_NAME.test(d.name))
      .map((d) => d.name)
      .sort();
  } catch {
    return [];
  }
  return names
    .map((lab) => ({ lab, root: join(root, lab), journal: join(root, lab, "journal.jsonl") }))
    .filter((d) => existsSync(d.journal));
}

export interface LabProcess {
  pid: number;
  name: string;
  ns: string;
  alive: boolean;
}

/** What the machine shows of one lab. */
export interface LabState {
  name: string;
  /** Its work directory when it has one with a journal. */
  workDir: string | null;
  /** Namespaces of the lab that exist (journaled or recognised by name). */
  namespaces: string[];
  /** Namespaces the journal records that no longer exist. */
  missingNamespaces: string[];
  /** Processes the journal records. */
  journaled: LabProcess[];
  /** Processes running inside the lab's namespaces that the journal does not record. */
  unjournaled: { pid: number; name: string; ns: string }[];
  /** The `up` that wrote the journal, and whether it still runs. */
  up: { pid: number; alive: boolean } | null;
  converged: boolean;
}

export interface MachineState {
  labs: LabState[];
  /** Throwaway namespaces of a doctor that died before deleting them. */
  staleScratch: string[];
}

export async function collectLabStates(probe: Probe, root = labsRoot()): Promise<MachineState> {
  const namespaces = await probe.listNetns();
  const present = new Set(namespaces);
  const byName = recognisedLabs(namespaces);
  const dirs = new Map(labWorkDirs(root).map((d) => [d.lab, d]));
  const names = [...new Set([...byName.keys(), ...dirs.keys()])].sort();
  const labs: LabState[] = [];
  for (const name of names) {
    const dir = dirs.get(name);
    const entries: JournalEntry[] = dir ? new Journal(dir.journal).entries() : [];
    const recorded = [...new Set(entries.flatMap((e) => (e.kind === "netns" ? [e.name] : [])))];
    const labNamespaces = [
      ...new Set([...recorded.filter((n) => present.has(n)), ...(byName.get(name) ?? [])]),
    ].sort();
    const journaled = entries.flatMap((e) =>
      e.kind === "process"
        ? // Without a start time it was already gone when journaled: its pid may be anything now.
          [
            {
              pid: e.pid,
              name: e.name,
              ns: e.ns,
              alive: Boolean(e.startTime) && probe.isAlive(e.pid, e.startTime),
            },
          ]
        : [],
    );
    const known = new Set(journaled.filter((p) => p.alive).map((p) => p.pid));
    const unjournaled: LabState["unjournaled"] = [];
    for (const ns of labNamespaces) {
      for (const pid of await probe.netnsPids(ns)) {
        if (known.has(pid)) continue;
        unjournaled.push({ pid, name: probe.processName(pid) ?? "?", ns });
      }
    }
    const started = entries.filter((e) => e.kind === "started").at(-1);
    labs.push({
      name,
      workDir: dir?.root ?? null,
      namespaces: labNamespaces,
      missingNamespaces: recorded.filter((n) => !present.has(n)).sort(),
      journaled,
      unjournaled,
      up:
        started?.kind === "started"
          ? {
              pid: started.pid,
              // Newer journals pin the `up` process by its start time too (a reused pid is not it).
              alive: probe.isAlive(started.pid, (started as { startTime?: string }).startTime || undefined),
            }
          : null,
      converged: entries.some((e) => e.kind === "converged"),
    });
  }
  const staleScratch = namespaces.filter((ns) => {
    const m = SCRATCH.exec(ns);
    return m !== null && Number(m[1]) !== probe.pid && !probe.isAlive(Number(m[1]));
  });
  return { labs, staleScratch };
}

export const downCommand = (lab: string) => `npm run lab -- down --name ${lab}`;
export const DOWN_ALL = "npm run lab -- down --all";

function list(items: readonly string[], max = 6): string {
  return items.length <= max
    ? items.join(", ")
    : `${items.slice(0, max).join(", ")} and ${items.length - max} more`;
}

function processSummary(procs: readonly { name: string }[]): string {
  const counts = new Map<string, number>();
  for (const p of procs) counts.set(p.name, (counts.get(p.name) ?? 0) + 1);
  return [...counts].map(([n, c]) => `${c} ${n}`).join(", ");
}

function processLines(procs: readonly { pid: number; name: string; ns: string }[]): string[] {
  const daemons = procs.filter((p) => LAB_DAEMONS.includes(p.name));
  const others = procs.filter((p) => !LAB_DAEMONS.includes(p.name));
  return [
    ...daemons.map((p) => `${p.name} pid ${p.pid} in ${p.ns}`),
    ...(others.length ? [`other processes: ${processSummary(others)}`] : []),
  ];
}

/** Judges each lab: running (fine), being brought up (fine) or leftovers (a warning with its fix). */
export function leftoverFindings(state: MachineState): Finding[] {
  const out: Finding[] = [];
  const running: string[] = [];
  let leftovers = 0;
  for (const lab of state.labs) {
    const id = `leftover.lab.${lab.name}`;
    const dead = lab.journaled.filter((p) => !p.alive);
    const alive = lab.journaled.filter((p) => p.alive);
    const nsLine = lab.namespaces.length ? [`namespaces: ${list(lab.namespaces)}`] : [];
    if (!lab.workDir) {
      leftovers++;
      out.push({
        id,
        area: "leftovers",
        severity: "warn",
        message: `lab ${lab.name}: ${lab.namespaces.length} namespace${lab.namespaces.length === 1 ? "" : "s"} without a work dir${lab.unjournaled.length ? `, ${lab.unjournaled.length} process${lab.unjournaled.length === 1 ? "" : "es"} still running in them` : ""}`,
        details: [...nsLine, ...processLines(lab.unjournaled)],
        fix: downCommand(lab.name),
      });
      continue;
    }
    if (lab.up?.alive) {
      running.push(lab.name);
      out.push({
        id,
        area: "leftovers",
        severity: "info",
        // The process that brought it up still works on it (an `up` in progress, or a `run`
        // injecting faults): daemons it stopped on purpose are not leftovers.
        message: lab.converged
          ? `lab ${lab.name} is running, and the command that brought it up (pid ${lab.up.pid}) still works on it: ${alive.length} daemons, ${lab.namespaces.length} namespaces`
          : `lab ${lab.name}: \`up\` is in progress (pid ${lab.up.pid}), ${lab.namespaces.length} namespaces and ${alive.length} daemons so far`,
      });
      continue;
    }
    const stale = dead.length > 0 || lab.missingNamespaces.length > 0 || lab.journaled.length === 0;
    if (stale) {
      leftovers++;
      const why = [
        dead.length ? `${dead.length} of ${lab.journaled.length} recorded processes dead` : "",
        lab.missingNamespaces.length
          ? `${lab.missingNamespaces.length} recorded namespace${lab.missingNamespaces.length === 1 ? "" : "s"} gone`
          : "",
        lab.journaled.length === 0 ? "no process ever recorded" : "",
      ].filter(Boolean);
      out.push({
        id,
        area: "leftovers",
        severity: "warn",
        message: `lab ${lab.name}: stale work dir ${lab.workDir} (${why.join(", ")})`,
        details: [
          ...nsLine,
          ...(dead.length ? [`dead: ${list(dead.map((p) => `${p.name} (pid ${p.pid})`))}`] : []),
          ...(lab.missingNamespaces.length ? [`gone: ${list(lab.missingNamespaces)}`] : []),
          ...processLines(lab.unjournaled),
        ],
        fix: downCommand(lab.name),
      });
      continue;
    }
    // Running. A BIRD or gobgpd its journal does not know is a leftover of an earlier run.
    const strays = lab.unjournaled.some((p) => LAB_DAEMONS.includes(p.name));
    if (strays) leftovers++;
    running.push(lab.name);
    out.push({
      id,
      area: "leftovers",
      severity: strays ? "warn" : "info",
      message: `lab ${lab.name} is running${lab.converged ? "" : " (never converged)"}: ${alive.length} daemons (${processSummary(alive.map((p) => ({ name: p.name.split(":")[0] ?? p.name })))}), ${lab.namespaces.length} namespaces${strays ? "; daemons its journal does not know run in it (stopping the lab removes them too)" : "; to stop it:"}`,
      details: processLines(lab.unjournaled).map((l) => `not in its journal: ${l}`),
      fix: downCommand(lab.name),
    });
  }
  for (const ns of state.staleScratch) {
    out.push({
      id: `leftover.scratch.${ns}`,
      area: "leftovers",
      severity: "warn",
      message: `namespace ${ns} was left by a doctor that did not finish`,
      fix: `ip netns delete ${ns}`,
    });
  }
  if (leftovers > 0)
    out.push({
      id: "leftover.all",
      area: "leftovers",
      severity: "warn",
      message: `${leftovers} lab${leftovers === 1 ? " has" : "s have"} leftovers: remove every lab's at once${running.length ? ` (this also stops the running lab${running.length === 1 ? "" : "s"} ${running.join(", ")})` : ""}`,
      fix: DOWN_ALL,
    });
  if (out.length === 0)
    out.push({
      id: "leftover.none",
      area: "leftovers",
      severity: "ok",
      message: "no lab namespaces, work dirs or daemons",
    });
  return out;
}
