// Resident memory of everything running inside a lab's namespaces, for the benchmark's
// "peak memory of all lab processes" figure.
import { readFileSync } from "node:fs";
import { netnsPidsOf } from "../../util/netns.ts";

function pssKiB(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function rssKiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Sum of VmRSS over the processes in the given namespaces, in MiB. */
export async function labMemoryMiB(namespaces: string[]): Promise<number> {
  return sumKiB(namespaces, rssKiB) / 1024;
}

/** Sum of Pss (/proc/PID/smaps_rollup) over the same processes, in MiB: a shared page counts
 * once in total, split between the processes mapping it (pages shared with processes outside
 * the lab count only for the lab's share). */
export async function labPssMiB(namespaces: string[]): Promise<number> {
  return sumKiB(namespaces, pssKiB) / 1024;
}

function sumKiB(namespaces: string[], of: (pid: number) => number): number {
  const pids = new Set([...netnsPidsOf(namespaces).values()].flat());
  let kib = 0;
  for (const pid of pids) kib += of(pid);
  return kib;
}
