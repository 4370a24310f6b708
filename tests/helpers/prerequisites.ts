// Whether this machine can run an integration test file: Linux, root, the executables it needs.
// Free of ava, so scripts outside the tests (tests/fixtures/bird/capture.ts) can use it too;
// what happens when a file cannot run is decided in root.ts.
import { findExecutable } from "../../lab/docker/tools.ts";

/** A command the tests need, with the apt-get package that installs it when the name differs. */
export type Needed = string | readonly [command: string, aptPackage: string];

/** Why this machine cannot run a file's tests, or undefined when it can. `root` says what root is
 * needed for; `commands` are the executables the file needs. Reasons begin with "not Linux",
 * "needs root" or "missing", which is what integrationTests() in root.ts tells apart. */
export function unavailable(root: string, commands: readonly Needed[] = []): string | undefined {
  if (process.platform !== "linux") return "not Linux";
  if (process.getuid?.() !== 0) return `needs root (${root})`;
  return missing(commands);
}

/** "missing a, b (apt-get install -y pa pb)" for the commands not found, or undefined. */
export function missing(commands: readonly Needed[]): string | undefined {
  const absent = commands
    .map((c) => (typeof c === "string" ? ([c, c] as const) : c))
    .filter(([cmd]) => !findExecutable(cmd));
  if (!absent.length) return undefined;
  const packages = [...new Set(absent.map(([, pkg]) => pkg))].join(" ");
  return `missing ${absent.map(([cmd]) => cmd).join(", ")} (apt-get install -y ${packages}; make deps-test installs what the tests need)`;
}

/** Whether the netns runtime's tests can run here: root, and the tools `up` needs. */
export function netnsUnavailable(): string | undefined {
  return unavailable("network namespaces", [
    ["ip", "iproute2"],
    ["bird", "bird2"],
    "gobgpd",
    "ethtool",
    ["ping", "iputils-ping"],
  ]);
}
