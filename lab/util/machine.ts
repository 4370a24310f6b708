// What checks of the machine ask it, behind one interface, so they are plain functions of what
// they are told (doctor's systemProbe() is the real machine; tests hand them any machine they like).
import type { RunResult } from "./exec.ts";

export interface Probe {
  platform: NodeJS.Platform;
  arch: string;
  /** undefined where there are no uids (Windows). */
  uid: number | undefined;
  nodeVersion: string;
  kernelRelease: string;
  pid: number;
  /** Absolute path of `cmd` on PATH (what spawning it by name finds), else undefined. */
  onPath(cmd: string): string | undefined;
  /** Absolute path of `cmd` in the usual system directories even when they are off PATH. */
  installedAt(cmd: string): string | undefined;
  /** Runs a command; never throws (a missing executable gives code null). */
  run(argv: string[], timeoutMs?: number): Promise<RunResult>;
  /** Whether a Docker engine answers, and where it was looked for. */
  docker(timeoutMs: number): Promise<{ address: string; ok: boolean; error?: string }>;
  /** Runner containers on the engine (lab/runner/); [] when no engine answers. */
  runners?(
    timeoutMs: number,
  ): Promise<{ name: string; lab: string; checkout: string; state: string; image: string }[]>;
  listNetns(): Promise<string[]>;
  netnsPids(ns: string): Promise<number[]>;
  /** Command name of a process (/proc/PID/comm), null when gone. */
  processName(pid: number): string | null;
  isAlive(pid: number, startTime?: string): boolean;
}
