// `down --all`: every lab's leftovers, found the way doctor finds them. A lab with a work dir is
// removed by the journal-based down (netnsDown), given its name-recognised namespaces as well; a
// lab that only left namespaces has whatever runs inside them stopped and the namespaces deleted.
// Namespaces that are not a lab's (no `<lab>-inet` beside them, not in a journal) are never touched.
import { existsSync } from "node:fs";
import { mapLimit } from "../../util/concurrency.ts";
import { deleteNetns, listNetns, netnsPids } from "../../util/netns.ts";
import { processStartTime, stopProcess } from "../../util/processes.ts";
import { type ProgressSink, silent } from "../../util/progress.ts";
import { labsRoot, workPaths } from "../workdir.ts";
import { netnsDown } from "./down.ts";
import { Journal } from "./journal.ts";
import { labWorkDirs, recognisedLabs } from "./leftovers.ts";

export interface LabRemoval {
  lab: string;
  /** The work dir removed, null when the lab had none. */
  workDir: string | null;
  /** Processes stopped (recorded in the journal, or found running inside the namespaces). */
  processes: number;
  /** Namespaces deleted. */
  namespaces: string[];
}

export interface DownAllOptions {
  progress?: ProgressSink;
  /** Restricts the sweep to some labs (tests use it to leave other labs on the machine alone). */
  only?: (lab: string) => boolean;
}

export async function downAll(opts: DownAllOptions = {}): Promise<LabRemoval[]> {
  const progress = opts.progress ?? silent;
  const only = opts.only ?? (() => true);
  const before = await listNetns();
  const byName = recognisedLabs(before);
  const dirs = new Map(labWorkDirs(labsRoot()).map((d) => [d.lab, d]));
  const labs = [...new Set([...byName.keys(), ...dirs.keys()])].filter(only).sort();
  const removals: LabRemoval[] = [];
  for (const lab of labs) {
    const dir = dirs.get(lab);
    const named = byName.get(lab) ?? [];
    progress({ kind: "step", step: `lab ${lab}` });
    const start = performance.now();
    let processes = 0;
    let candidates = named;
    if (dir) {
      const entries = new Journal(dir.journal).entries();
      candidates = [...new Set([...named, ...entries.flatMap((e) => (e.kind === "netns" ? [e.name] : []))])];
      // workPaths(lab) is the same directory labWorkDirs found: both start from labsRoot().
      const report = await netnsDown(workPaths(lab), named);
      processes += report.processes;
    } else {
      processes += await sweep(named);
    }
    const after = new Set(await listNetns());
    const deleted = candidates.filter((ns) => before.includes(ns) && !after.has(ns)).sort();
    removals.push({
      lab,
      workDir: dir && !existsSync(dir.root) ? dir.root : null,
      processes,
      namespaces: deleted,
    });
    progress({
      kind: "done",
      step: `lab ${lab}`,
      ms: performance.now() - start,
      detail: `${deleted.length} namespaces, ${processes} processes${dir ? ", work dir" : ""}`,
    });
  }
  return removals;
}

/** Stops what runs inside each namespace, then deletes it. Returns the number of processes. */
async function sweep(namespaces: readonly string[]): Promise<number> {
  let stopped = 0;
  await mapLimit(namespaces, 8, async (ns) => {
    for (const pid of await netnsPids(ns)) {
      // Pinned to the start time seen now, so a pid that exits and is reused meanwhile is spared.
      const started = processStartTime(pid);
      if (started === null) continue;
      await stopProcess(pid, started, 500);
      stopped++;
    }
    await deleteNetns(ns);
  });
  return stopped;
}

/** One line per lab for the terminal. */
export function formatRemovals(removals: readonly LabRemoval[], ms: number): string {
  if (removals.length === 0) return "no lab leftovers: nothing to remove";
  const lines = removals.map((r) => {
    const parts = [
      `${r.processes} process${r.processes === 1 ? "" : "es"} stopped`,
      `${r.namespaces.length} namespace${r.namespaces.length === 1 ? "" : "s"} deleted`,
    ];
    if (r.workDir) parts.push(`work dir ${r.workDir} removed`);
    return `lab ${r.lab}: ${parts.join(", ")}${r.namespaces.length ? `\n  ${r.namespaces.join(" ")}` : ""}`;
  });
  lines.push(
    `${removals.length} lab${removals.length === 1 ? "" : "s"} removed in ${(ms / 1000).toFixed(2)} s`,
  );
  return lines.join("\n");
}
