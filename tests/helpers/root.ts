// Whether this machine can run the tests that start real daemons in network namespaces.
import { execFileSync } from "node:child_process";

function has(cmd: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** null when the machine can run netns labs, else the reason it cannot. */
export function netnsUnavailable(): string | null {
  if (process.platform !== "linux") return "not Linux";
  if (process.getuid?.() !== 0) return "not root (network namespaces need root)";
  const missing = ["ip", "bird", "gobgpd", "ethtool", "ping"].filter((c) => !has(c));
  return missing.length ? `missing ${missing.join(", ")} (make deps installs them)` : null;
}
