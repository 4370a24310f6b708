// Everything `doctor` asks the machine, behind one interface, so the checks are plain functions
// of what they are told and the tests can hand them any machine they like.
import { readFileSync } from "node:fs";
import { delimiter } from "node:path";
import { which } from "zx/core";
import { connectEngine, engineAddress, pingEngine } from "../docker/engine.ts";
import { run } from "../util/exec.ts";
import type { Probe } from "../util/machine.ts";
import { listNetns, netnsPids } from "../util/netns.ts";
import { isAlive } from "../util/processes.ts";

export type { Probe };

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
    runners: async (timeoutMs) => {
      const docker = connectEngine();
      try {
        await pingEngine(docker, timeoutMs);
        const { listRunners } = await import("../runner/container.ts");
        return await listRunners(docker);
      } catch {
        return [];
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
