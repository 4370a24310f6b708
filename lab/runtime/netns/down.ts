// Removing a netns lab: the journaled processes (only if their start time still matches), then
// every lab namespace — those in the journal and those the plan names — after killing whatever
// still runs inside it, then the work directory. Safe to run twice, and after a crashed `up`.
import { existsSync, rmSync } from "node:fs";
import { mapLimit } from "../../util/concurrency.ts";
import { type ProgressSink, silent, step } from "../../util/progress.ts";
import type { WorkPaths } from "../workdir.ts";
import { deleteNetns, listNetns, netnsPids } from "./ip.ts";
import { Journal } from "./journal.ts";
import { stopProcess } from "./processes.ts";

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
  const procs = entries.filter((e) => e.kind === "process");
  await step(
    progress,
    "stop daemons",
    async () => {
      await mapLimit([...procs].reverse(), 8, (p) => stopProcess(p.pid, p.startTime || undefined));
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
      await mapLimit(present, 8, async (ns) => {
        // Anything still inside a lab namespace belongs to the lab (e.g. a daemon started by an
        // `up` killed before it could journal the pid).
        for (const pid of await netnsPids(ns)) await stopProcess(pid, undefined, 500);
        await deleteNetns(ns);
      });
    },
    () => `${present.length} present`,
  );
  if (existsSync(paths.root)) rmSync(paths.root, { recursive: true, force: true });
  return { processes: procs.length, namespaces: present.length };
}
