// The lab's CLI run as a user runs it (a child Node.js with the tsx loader, from the repository).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export const REPO = fileURLToPath(new URL("../../", import.meta.url));

/** `npm run lab -- ARGS`, without npm; `env` is added to this process's environment. */
export function runLabCli(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ["--import", "tsx", "scripts/lab.ts", ...args], {
    cwd: REPO,
    env: { ...process.env, ...env },
    encoding: "utf8",
    timeout: 120_000,
  });
}
