// Everything `doctor` asks the machine, behind one interface, so the checks are plain functions
// of what they are told and the tests can hand them any machine they like.
import { readFileSync } from "node:fs";
import { delimiter } from "node:path";
import { which } from "zx/core";
import { connectEngine, engineAddress, pingEngine } from "../docker/engine.ts";
import { type RunResult, run } from "../util/exec.ts";
import { listNetns, netnsPids } from "../util/netns.ts";
import { isAlive } from "../util/processes.ts";

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
  listNetns(): Promise<string[]>;
  netnsPids(ns: string): Promise<number[]>;
  /** Command name of a process (/proc/PID/comm), null when gone. */
  processName(pid: number): string | null;
  isAlive(pid: number, startTime?: string): boolean;
}

const SYSTEM_DIRS = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

/** The machine this process runs on. */
export function systemProbe(): Probe {
  let release = "";
  try {
    release = readFileSync("/proc/sys/kernel/osrelease", "utf8").trim();
  } catch {
    // Not Linux.
  }
  return {
    platform: process.platform,
    arch: process.arch,
    uid: process.getuid?.(),
    nodeVersion: process.versions.node,
    kernelRelease: release,
    pid: process.pid,
    onPath: (cmd) => which.sync(cmd, { nothrow: true }) ?? undefined,
    installedAt: (cmd) =>
      which.sync(cmd, {
        path: [process.env.PATH, ...SYSTEM_DIRS].filter(Boolean).join(delimiter),
        nothrow: true,
      }) ?? undefined,
    run: async (argv, timeoutMs = 10_000) => {
      try {
        return await run(argv, { allowFailure: true, timeoutMs });
      } catch (err) {
        return { code: null, stdout: "", stderr: (err as Error).message };
      }
    },
    docker: async (timeoutMs) => {
      const docker = connectEngine();
      const address = engineAddress(docker);
      try {
        await pingEngine(docker, timeoutMs);
        return { address, ok: true };
      } catch (err) {
        return { address, ok: false, error: (err as Error).message };
      }
    },
    listNetns,
    netnsPids,
    processName: (pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
      } catch {
        return null;
      }
    },
    isAlive,
  };
}
