// The Debian mirror this machine already uses, read from its own apt sources, so that building
// a root filesystem goes where the machine's package installs go (a local mirror or proxy) and
// the project names no archive host of its own.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The first Debian archive URI (not the security archive) in apt sources text, one-line or deb822. */
export function debianMirrorIn(sourcesText: string): string | undefined {
  for (const raw of sourcesText.split("\n")) {
    const line = raw.replace(/#.*/, "");
    for (const uri of line.match(/\b(?:https?|file):\/\/\S+/g) ?? []) {
      if (/\/debian\/?$/.test(uri) && !/security/.test(uri)) return uri.replace(/\/$/, "");
    }
  }
  return undefined;
}

/** The machine's Debian mirror, or undefined when its apt sources name none. */
export function machineDebianMirror(aptDir = "/etc/apt"): string | undefined {
  const files = [join(aptDir, "sources.list")];
  try {
    for (const f of readdirSync(join(aptDir, "sources.list.d")).sort())
      if (f.endsWith(".list") || f.endsWith(".sources")) files.push(join(aptDir, "sources.list.d", f));
  } catch {
    // no sources.list.d
  }
  const text = files
    .map((f) => {
      try {
        return readFileSync(f, "utf8");
      } catch {
        return "";
      }
    })
    .join("\n");
  return debianMirrorIn(text);
}
