// Finding host executables before using them, so a missing package is reported by name with the
// apt-get line that installs it rather than as a bare ENOENT.
import { executableIn, pathDirs } from "../util/executables.ts";

/** sbin directories are searched too: dockerd and debootstrap live there and may be off PATH. */
export function findExecutable(name: string, path = process.env.PATH ?? ""): string | undefined {
  return executableIn([...pathDirs(path), "/usr/local/sbin", "/usr/sbin", "/sbin"], name);
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}
