// Resident memory of everything running inside a lab's namespaces, for the benchmark's
// "peak memory of all lab processes" figure.
import { readFileSync } from "node:fs";
import { netnsPidsOf } from "../../util/netns.ts";

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
  const pids = new Set([...netnsPidsOf(namespaces).values()].flat());
  let kib = 0;
  for (const pid of pids) kib += rssKiB(pid);
  return kib / 1024;
}
