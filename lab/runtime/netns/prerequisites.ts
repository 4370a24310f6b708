// What the netns runtime needs from the machine, checked before anything is created, each
// missing piece named with the command that installs it.
import { which } from "zx/core";
import { gobgpTools } from "../../gobgp/binary.ts";
import { LabError } from "../../util/errors.ts";

export const REQUIRED_COMMANDS: { cmd: string; pkg: string }[] = [
  { cmd: "ip", pkg: "iproute2" },
  { cmd: "ss", pkg: "iproute2" },
  { cmd: "bird", pkg: "bird2" },
  { cmd: "birdc", pkg: "bird2" },
  { cmd: "gobgpd", pkg: "gobgpd" },
  { cmd: "gobgp", pkg: "gobgpd" },
  { cmd: "ethtool", pkg: "ethtool" },
  { cmd: "ping", pkg: "iputils-ping" },
  { cmd: "fping", pkg: "fping" },
];

export function missingCommands(): { cmd: string; pkg: string }[] {
  // The lab-local gobgpd from `make deps` stands in for the system's.
  const local = gobgpTools().local;
  return REQUIRED_COMMANDS.filter(
    (r) => !(local && r.pkg === "gobgpd") && which.sync(r.cmd, { nothrow: true }) === null,
  );
}

export async function checkPrerequisites(): Promise<void> {
  if (process.platform !== "linux")
    throw new LabError(
      "the netns runtime needs Linux network namespaces",
      "use --runtime clab on other systems",
    );
  if (process.getuid?.() !== 0)
    throw new LabError(
      "the netns runtime needs root (network namespaces, veth, BIRD on port 179)",
      "run it with sudo, e.g. sudo make lab-up",
    );
  const missing = missingCommands();
  if (missing.length) {
    const pkgs = [...new Set(missing.map((m) => m.pkg))].join(" ");
    throw new LabError(
      `missing commands: ${missing.map((m) => m.cmd).join(", ")}`,
      `install them with: apt-get install -y ${pkgs}`,
    );
  }
}
