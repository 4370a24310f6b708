// Removing a netns lab: the journaled processes (only if their start time still matches), then
// every lab namespace — those in the journal and those the plan names — after killing whatever
// still runs inside it, then the work directory. Safe to run twice, and after a crashed `up`.
import { existsSync, rmSync } from "node:fs";
import { mapLimit } from "../../util/concurrency.ts";
import { deleteNetnsMany, listNetns, netnsPidsOf } from "../../util/netns.ts";
import { processStartTime, stopProcess } from "../../util/processes.ts";
import { type ProgressSink, silent, step } from "../../util/progress.ts";
import type { WorkPaths } from "../workdir.ts";
import { Journal } from "./journal.ts";

export interface DownReport {
  processes: number;
  namespaces: number;
}

export async function netnsDown(
  paths: WorkPaths,
  plannedNamespaces: string[],
  progress: ProgressSink = silent,
): Promise<DownReport> {
  const journal = new Journal(paths.journal);
  const entries = journal.entries();
  // One process may be journaled under two names (the helpers process: "relay" and "kubelets").
  const procs = [
    ...new Map(
      entries.flatMap((e) => (e.kind === "process" ? [[`${e.pid}/${e.startTime}`, e] as const] : [])),
    ).values(),
  ];
  await step(
    progress,
    "stop daemons",
    async () => {
      // Without a recorded start time the process was already gone when it was journaled (e.g. a
      // BIRD that died right after writing its pid file): its pid may since belong to anything,
      // so it is never signalled. Whatever still runs inside a lab namespace is swept below.
      const stoppable = procs.filter((p) => Boolean(p.startTime));
      await mapLimit([...stoppable].reverse(), 8, (p) => stopProcess(p.pid, p.startTime));
    },
    () => `${procs.length} recorded`,
  );
  const wanted = new Set([
    ...entries.flatMap((e) => (e.kind === "netns" ? [e.name] : [])),
    ...plannedNamespaces,
  ]);
  const present = (await listNetns()).filter((n) => wanted.has(n));
  await step(
    progress,
    "delete namespaces",
    async () => {
      // Anything still inside a lab namespace belongs to the lab (e.g. a daemon started by an
      // `up` killed before it could journal the pid). Pinned to the start time seen now, so a
      // pid that exits and is reused meanwhile is spared. One walk of /proc for all namespaces.
      const leftover = [...netnsPidsOf(present).values()].flat();
      await mapLimit(leftover, 8, async (pid) => {
        const started = processStartTime(pid);
        if (started !== null) await stopProcess(pid, started, 500);
      });
      // One `ip` for all of them; namespace deletion is serialised in the kernel anyway.
      await deleteNetnsMany(present);
    },
    () => `${present.length} present`,
  );
  if (existsSync(paths.root)) rmSync(paths.root, { recursive: true, force: true });
  return { processes: procs.length, namespaces: present.length };
}
