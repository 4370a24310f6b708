// Finding host executables by name, the way spawning one finds it: the first directory that holds
// an executable file of that name. One lookup for every caller (doctor, prerequisites, the Docker
// layer), so "missing" means the same everywhere.
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

/** Directories of a PATH value, empty entries dropped. */
export function pathDirs(path = process.env.PATH ?? ""): string[] {
  return path.split(delimiter).filter((d) => d !== "");
}

/** Absolute path of the first executable `cmd` in `dirs`, else undefined. */
export function executableIn(dirs: readonly string[], cmd: string): string | undefined {
  for (const dir of dirs) {
    if (!dir) continue;
    const full = join(dir, cmd);
    try {
      accessSync(full, constants.X_OK);
      return full;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

/** Absolute path of `cmd` on PATH (what spawning it by name finds), else undefined. */
export function onPath(cmd: string, path?: string): string | undefined {
  return executableIn(pathDirs(path), cmd);
}
