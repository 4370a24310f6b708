// Finding host executables before using them, so a missing package is reported by name with the
// apt-get line that installs it rather than as a bare ENOENT.
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

/** sbin directories are searched too: dockerd and debootstrap live there and may be off PATH. */
export function findExecutable(name: string, path = process.env.PATH ?? ""): string | undefined {
  const dirs = [...path.split(delimiter), "/usr/local/sbin", "/usr/sbin", "/sbin"].filter((d) => d !== "");
  for (const dir of dirs) {
    const full = join(dir, name);
    try {
      accessSync(full, constants.X_OK);
      return full;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}
