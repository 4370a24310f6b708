// Cleaning up after a private engine that did not shut down cleanly: its containerd, the shims
// and the container processes under them, and the mounts it left in the data root. Processes are
// matched by the exact socket/config paths of THIS engine, never by name, so other engines on
// the machine are untouched.
import { readdir, readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { run } from "../util/exec.ts";

export interface ProcInfo {
  pid: number;
  ppid: number;
  argv: string[];
}

async function listProcesses(): Promise<ProcInfo[]> {
  const out: ProcInfo[] = [];
  for (const entry of await readdir("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid <= 1) continue;
    try {
      const [stat, cmdline] = await Promise.all([
        readFile(`/proc/${pid}/stat`, "utf8"),
        readFile(`/proc/${pid}/cmdline`, "utf8"),
      ]);
      // The command name in field 2 may contain spaces and parentheses: ppid follows the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      out.push({ pid, ppid, argv: cmdline.split("\0").filter((a) => a !== "") });
    } catch {
      // The process exited while we looked.
    }
  }
  return out;
}

/** Arguments that only this engine's dockerd, containerd and shims carry. */
export function engineMarkers(root: string): string[] {
  const sock = `${root}/exec/containerd/containerd.sock`;
  return [`${root}/docker.pid`, `${root}/exec/containerd/containerd.toml`, sock, `unix://${sock}`];
}

/** Pids of processes carrying one of the markers, plus all their descendants (container processes). */
export function selectLeftovers(procs: ProcInfo[], markers: string[]): number[] {
  const chosen = new Set(procs.filter((p) => p.argv.some((a) => markers.includes(a))).map((p) => p.pid));
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of procs) {
      if (!chosen.has(p.pid) && chosen.has(p.ppid)) {
        chosen.add(p.pid);
        grew = true;
      }
    }
  }
  chosen.delete(process.pid);
  return [...chosen];
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Processes still belonging to the engine in root (empty after a clean stop). */
export async function leftoverPids(root: string): Promise<number[]> {
  return selectLeftovers(await listProcesses(), engineMarkers(root));
}

/** SIGTERM, a short grace period, then SIGKILL. Returns the pids found. */
export async function killLeftovers(root: string, graceMs = 3000): Promise<number[]> {
  const pids = await leftoverPids(root);
  for (const signal of ["SIGTERM", "SIGKILL"] as const) {
    for (const pid of pids) {
      try {
        process.kill(pid, signal);
      } catch {
        // Already gone.
      }
    }
    const deadline = Date.now() + graceMs;
    while (pids.some(alive) && Date.now() < deadline) await sleep(50);
    if (!pids.some(alive)) break;
  }
  return pids;
}

/** Unescapes the octal escapes (\040 for a space) the kernel uses in mountinfo. */
function unescapeMount(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}

export function mountPointsUnder(mountinfo: string, root: string): string[] {
  const prefix = `${root}/`;
  return mountinfo
    .split("\n")
    .map((line) => unescapeMount(line.split(" ")[4] ?? ""))
    .filter((mp) => mp.startsWith(prefix))
    .sort((a, b) => b.length - a.length);
}

/** Lazily unmounts every mount below root, deepest first, so the root can be deleted safely. */
export async function unmountUnder(root: string): Promise<string[]> {
  const mounts = mountPointsUnder(await readFile("/proc/self/mountinfo", "utf8"), root);
  for (const mp of mounts) await run(["umount", "-l", mp], { allowFailure: true });
  return mounts;
}
