// Daemons started inside lab namespaces. A pid is only ever signalled when its start time still
// matches the one recorded when it was started, so a recycled pid is never killed.
import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

/** Field 22 of /proc/PID/stat: start time in clock ticks since boot; null when gone. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return rest[19] ?? null;
  } catch {
    return null;
  }
}

export function isAlive(pid: number, startTime?: string): boolean {
  const st = processStartTime(pid);
  if (st === null) return false;
  if (startTime !== undefined && st !== startTime) return false;
  // A zombie is dead for our purposes.
  try {
    const state = readFileSync(`/proc/${pid}/stat`, "utf8");
    return state.slice(state.lastIndexOf(")") + 2, state.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** Starts a long-running command in a namespace, detached, output appended to logFile. */
export function spawnInNetns(ns: string, argv: string[], logFile: string): number {
  const fd = openSync(logFile, "a");
  try {
    const child = spawn("ip", ["netns", "exec", ns, ...argv], { detached: true, stdio: ["ignore", fd, fd] });
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${argv.join(" ")} in ${ns}`);
    return child.pid;
  } finally {
    // The child has its own copy of the log descriptor; ours would leak one per daemon started.
    closeSync(fd);
  }
}

/** SIGTERM, then SIGKILL after graceMs. Returns once the process is gone. */
export async function stopProcess(pid: number, startTime: string | undefined, graceMs = 1500): Promise<void> {
  if (!isAlive(pid, startTime)) return;
  signal(pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid, startTime)) return;
    await sleep(25);
  }
  signal(pid, "SIGKILL");
  for (let i = 0; i < 80 && isAlive(pid, startTime); i++) await sleep(25);
}

export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

export function readPidFile(file: string): number | null {
  try {
    const n = Number(readFileSync(file, "utf8").trim());
    return Number.isInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}
