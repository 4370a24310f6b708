// Finding host executables before using them, so a missing package is reported by name with the
// apt-get line that installs it rather than as a bare ENOENT.
import { delimiter } from "node:path";
import { which } from "zx/core";

/** sbin directories are searched too: dockerd and debootstrap live there and may be off PATH. */
export function findExecutable(name: string, path = process.env.PATH ?? ""): string | undefined {
  const dirs = [path, "/usr/local/sbin", "/usr/sbin", "/sbin"].filter((d) => d !== "").join(delimiter);
  return which.sync(name, { path: dirs, nothrow: true }) ?? undefined;
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}
