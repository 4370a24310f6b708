// The machine checks of `doctor`: system (Linux, root, Node.js), the kernel features the netns
// runtime uses (tried inside a throwaway namespace, never in the host's), the commands and their
// versions, and the optional tools of the clab runtime.
import { join } from "node:path";
import {
  CILIUM_GOBGP,
  dialDelay,
  isFastDialer,
  LOCAL_GOBGP_BIN,
  parseGobgpVersion,
} from "../gobgp/binary.ts";
import { netemProbeArgv, netemVerdict } from "../util/netem.ts";
import type { Finding } from "./finding.ts";
import type { Probe } from "./probe.ts";

export interface Version {
  major: number;
  minor: number;
  patch: number;
  text: string;
}

/** The first dotted version number in a command's output ("BIRD version 2.0.12" -> 2.0.12). */
export function parseVersion(output: string): Version | null {
  const m = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(output);
  if (!m) return null;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0), text: m[0] };
}

/** `sudo ` unless already root: the prefix of a fix that changes the system. */
function sudo(probe: Probe): string {
  return probe.uid === 0 ? "" : "sudo ";
}

export function aptInstall(probe: Probe, packages: readonly string[]): string {
  const s = sudo(probe);
  return `${s}apt-get update && ${s}apt-get install -y ${[...new Set(packages)].join(" ")}`;
}

export const MIN_NODE_MAJOR = 20;

export function systemFindings(probe: Probe): Finding[] {
  const out: Finding[] = [];
  out.push(
    probe.platform === "linux"
      ? {
          id: "system.linux",
          area: "system",
          severity: "ok",
          message: `Linux ${probe.kernelRelease || "(unknown kernel)"} on ${probe.arch}`,
        }
      : {
          id: "system.linux",
          area: "system",
          severity: "error",
          message: `the netns runtime needs Linux network namespaces; this is ${probe.platform}`,
          fix: "run the lab on a Linux machine or VM (root, kernel with veth, bridge and vxlan)",
        },
  );
  out.push(
    probe.uid === 0
      ? { id: "system.root", area: "system", severity: "ok", message: "running as root" }
      : {
          id: "system.root",
          area: "system",
          severity: "error",
          message: "not running as root: network namespaces, veth pairs and BIRD on port 179 need it",
          fix: "sudo npm run lab -- doctor",
        },
  );
  const major = Number(probe.nodeVersion.split(".")[0]);
  out.push(
    major >= MIN_NODE_MAJOR
      ? { id: "system.node", area: "system", severity: "ok", message: `Node.js ${probe.nodeVersion}` }
      : {
          id: "system.node",
          area: "system",
          severity: "error",
          message: `Node.js ${probe.nodeVersion} is too old: the lab needs ${MIN_NODE_MAJOR} or later`,
          fix: `nvm install ${MIN_NODE_MAJOR} && nvm use ${MIN_NODE_MAJOR}`,
        },
  );
  return out;
}

interface CommandSpec {
  cmd: string;
  pkg: string;
  /** How to ask for its version, if at all. */
  versionArgs?: string[];
  /** Required major version, with what it means when it differs. */
  major?: { want: number; why: string };
}

/** The commands a runtime kind runs (its `requiredCommands`), with how each says its version. */
export function commandSpecs(required: readonly { cmd: string; pkg: string }[]): CommandSpec[] {
  return required.map(({ cmd, pkg }) => {
    switch (cmd) {
      case "bird":
        // BIRD 1.x and 3.x read a different configuration language than the seed's bird.conf.
        return {
          cmd,
          pkg,
          versionArgs: ["--version"],
          major: { want: 2, why: "the configs are BIRD 2 syntax" },
        };
      case "gobgpd":
      case "gobgp":
        return {
          cmd,
          pkg,
          versionArgs: ["--version"],
          major: { want: 3, why: "the rendered configs and the gobgp CLI calls are GoBGP 3's" },
        };
      case "ip":
      case "ss":
        return { cmd, pkg, versionArgs: ["-V"] };
      case "ethtool":
        return { cmd, pkg, versionArgs: ["--version"] };
      case "ping":
        return { cmd, pkg, versionArgs: ["-V"] };
      case "fping":
        return { cmd, pkg, versionArgs: ["-v"] };
      default:
        return { cmd, pkg };
    }
  });
}

/**
 * Which gobgpd the netns runtime will run (lab/gobgp/binary.ts: the lab-local copy `make deps`
 * unpacks, else the system's), and whether it is of Cilium's series: an older one dials its
 * router seconds later, and every convergence figure shows it.
 */
export async function speakerFindings(
  probe: Probe,
  localGobgpd = join(LOCAL_GOBGP_BIN, "gobgpd"),
): Promise<Finding[]> {
  const local = await probe.run([localGobgpd, "--version"], 5000);
  const system = probe.onPath("gobgpd");
  const r = local.code === 0 ? local : system ? await probe.run([system, "--version"], 5000) : undefined;
  if (!r) return [];
  const version = parseGobgpVersion(`${r.stdout}${r.stderr}`);
  const which =
    local.code === 0
      ? `the lab-local gobgpd ${version ?? "?"} (${localGobgpd})`
      : `the system's gobgpd ${version ?? "?"}`;
  const delay = dialDelay(version);
  return [
    isFastDialer(version)
      ? {
          id: "speaker.gobgpd",
          area: "commands",
          severity: "ok",
          message: `the lab runs ${which}: ${delay.why}`,
        }
      : {
          id: "speaker.gobgpd",
          area: "commands",
          severity: "warn",
          message: `the lab runs ${which}, older than Cilium's GoBGP ${CILIUM_GOBGP}: ${delay.why}, so every convergence figure is seconds later than with Cilium`,
          fix: "make deps",
        },
  ];
}

export async function commandFindings(
  probe: Probe,
  required: readonly { cmd: string; pkg: string }[],
): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const spec of commandSpecs(required)) {
    const id = `command.${spec.cmd}`;
    const path = probe.onPath(spec.cmd);
    if (!path) {
      const elsewhere = probe.installedAt(spec.cmd);
      out.push(
        elsewhere
          ? {
              id,
              area: "commands",
              severity: "error",
              message: `${spec.cmd} is installed at ${elsewhere} but that directory is not on PATH`,
              fix: `export PATH="$PATH:${elsewhere.slice(0, elsewhere.lastIndexOf("/"))}"`,
            }
          : {
              id,
              area: "commands",
              severity: "error",
              message: `${spec.cmd} is missing (Debian package ${spec.pkg})`,
              fix: aptInstall(probe, [spec.pkg]),
            },
      );
      continue;
    }
    if (!spec.versionArgs) {
      out.push({ id, area: "commands", severity: "ok", message: `${spec.cmd} (${path})` });
      continue;
    }
    const r = await probe.run([path, ...spec.versionArgs], 5000);
    const text = `${r.stdout}\n${r.stderr}`;
    const version = parseVersion(text) ?? /\b(\d{8})\b/.exec(text)?.[1];
    const shown = typeof version === "string" ? version : version?.text;
    if (
      spec.major &&
      (typeof version !== "object" || version === null || version.major !== spec.major.want)
    ) {
      out.push({
        id,
        area: "commands",
        severity: "error",
        message: shown
          ? `${spec.cmd} ${shown} at ${path}: version ${spec.major.want}.x is needed (${spec.major.why})`
          : `${spec.cmd} at ${path} did not say its version (${firstLine(text) || `exit ${r.code}`}); version ${spec.major.want}.x is needed`,
        fix: aptInstall(probe, [spec.pkg]),
      });
      continue;
    }
    out.push({
      id,
      area: "commands",
      severity: "ok",
      message: `${spec.cmd} ${shown ?? "(version unknown)"} (${path})`,
    });
  }
  return out;
}

function firstLine(text: string): string {
  return text.trim().split("\n")[0]?.trim() ?? "";
}

/** The throwaway namespace the kernel checks run in. */
export function scratchNamespace(pid: number): string {
  return `labdoctor${pid}`;
}

interface KernelFeature {
  id: string;
  what: string;
  /** ip arguments after `ip -n NS`. */
  args: string[];
  fix: string;
}

/** Device names inside the scratch namespace; nothing is ever created outside it. */
const KERNEL_FEATURES: KernelFeature[] = [
  {
    id: "kernel.veth",
    what: "veth pairs (every lab link)",
    args: ["link", "add", "dv0", "type", "veth", "peer", "name", "dv1"],
    fix: "modprobe veth",
  },
  {
    id: "kernel.bridge",
    what: "bridges (the site LANs and the internet switch)",
    args: ["link", "add", "dbr0", "type", "bridge"],
    fix: "modprobe bridge",
  },
  {
    id: "kernel.vxlan",
    what: "VXLAN devices (the emulated ZeroTier zt0)",
    args: ["link", "add", "dzt0", "type", "vxlan", "id", "191", "dstport", "9993", "nolearning"],
    fix: "modprobe vxlan",
  },
];

/**
 * Tries what the netns runtime creates, inside a throwaway namespace `labdoctor<pid>` that is
 * deleted afterwards whatever happens. The host namespace is never touched.
 */
export async function kernelFindings(probe: Probe): Promise<Finding[]> {
  if (probe.platform !== "linux")
    return [
      { id: "kernel.netns", area: "kernel", severity: "error", message: "skipped: not Linux (see above)" },
    ];
  if (probe.uid !== 0)
    return [
      {
        id: "kernel.netns",
        area: "kernel",
        severity: "error",
        message: "not tested: creating a namespace needs root",
        fix: "sudo npm run lab -- doctor",
      },
    ];
  const ip = probe.onPath("ip");
  if (!ip)
    return [
      {
        id: "kernel.netns",
        area: "kernel",
        severity: "error",
        message: "not tested: the ip command is missing",
        fix: aptInstall(probe, ["iproute2"]),
      },
    ];
  const ns = scratchNamespace(probe.pid);
  const out: Finding[] = [];
  // A namespace of this name can only be an earlier doctor's with the same pid: replace it.
  if ((await probe.listNetns()).includes(ns)) await probe.run([ip, "netns", "delete", ns]);
  const created = await probe.run([ip, "netns", "add", ns]);
  if (created.code !== 0) {
    return [
      {
        id: "kernel.netns",
        area: "kernel",
        severity: "error",
        message: `cannot create a network namespace: ${firstLine(created.stderr) || `exit ${created.code}`}`,
        fix: "the kernel needs CONFIG_NET_NS, and /run/netns must be writable: run as root on the host, not in an unprivileged container",
      },
    ];
  }
  try {
    out.push({ id: "kernel.netns", area: "kernel", severity: "ok", message: "network namespaces" });
    for (const f of KERNEL_FEATURES) {
      const r = await probe.run([ip, "-n", ns, ...f.args]);
      out.push(
        r.code === 0
          ? { id: f.id, area: "kernel", severity: "ok", message: f.what }
          : {
              id: f.id,
              area: "kernel",
              severity: "error",
              message: `${f.what}: ${firstLine(r.stderr) || `exit ${r.code}`}`,
              fix: f.fix,
            },
      );
    }
    // zt0 needs TX checksum offload off, or TCP across it fails while ping works (measured: docs/facts.md).
    const ethtool = probe.onPath("ethtool");
    const vxlan = out.find((f) => f.id === "kernel.vxlan");
    if (ethtool && vxlan?.severity === "ok") {
      const r = await probe.run([ip, "netns", "exec", ns, ethtool, "-K", "dzt0", "tx", "off"]);
      out.push(
        r.code === 0
          ? {
              id: "kernel.txoff",
              area: "kernel",
              severity: "ok",
              message: "TX checksum offload off on VXLAN",
            }
          : {
              id: "kernel.txoff",
              area: "kernel",
              severity: "error",
              message: `ethtool -K tx off on a VXLAN device failed: ${firstLine(r.stderr) || `exit ${r.code}`}`,
              fix: aptInstall(probe, ["ethtool"]),
            },
      );
    }
  } finally {
    await probe.run([ip, "netns", "delete", ns]);
  }
  if ((await probe.listNetns()).includes(ns))
    out.push({
      id: "kernel.cleanup",
      area: "kernel",
      severity: "warn",
      message: `the throwaway namespace ${ns} could not be deleted`,
      fix: `ip netns delete ${ns}`,
    });
  return out;
}

interface ClabTool {
  cmd: string;
  what: string;
  versionArgs: string[];
  install: (arch: string, sudo: string) => string;
}

const goArch = (arch: string) => (arch === "arm64" ? "arm64" : "amd64");

const CLAB_TOOLS: ClabTool[] = [
  {
    cmd: "containerlab",
    what: "containerlab (wires the routers and the cluster)",
    versionArgs: ["version"],
    install: () => 'bash -c "$(curl -sL https://get.containerlab.dev)"',
  },
  {
    // The kind containerlab 0.79 embeds, as lab/runtime/clab/versions.ts pins it.
    cmd: "kind",
    what: "kind (the cluster as Docker containers)",
    versionArgs: ["version"],
    install: (arch, sudo) =>
      `curl -Lo ./kind https://kind.sigs.k8s.io/dl/v0.31.0/kind-linux-${goArch(arch)} && chmod +x ./kind && ${sudo}mv ./kind /usr/local/bin/kind`,
  },
  {
    cmd: "k3d",
    what: "k3d (the cluster as k3s in Docker, the other choice)",
    versionArgs: ["version"],
    install: () => "curl -s https://raw.githubusercontent.com/k3d-io/k3d/main/install.sh | bash",
  },
  {
    cmd: "kubectl",
    what: "kubectl",
    versionArgs: ["version", "--client"],
    install: (arch, sudo) =>
      `curl -LO "https://dl.k8s.io/release/$(curl -Ls https://dl.k8s.io/release/stable.txt)/bin/linux/${goArch(arch)}/kubectl" && ${sudo}install -m 0755 kubectl /usr/local/bin/kubectl`,
  },
];

const HELM_INSTALL = "curl -fsSL https://raw.githubusercontent.com/helm/helm/main/scripts/get-helm-3 | bash";

/** The throwaway namespace of the netem check (beside the kernel checks' own, which run at the same time). */
export function netemNamespace(pid: number): string {
  return `${scratchNamespace(pid)}n`;
}

/**
 * sch_netem, which the clab runtime's impairments need (its scenarios that impair the link are
 * refused without it): a netem qdisc tried on lo of a throwaway namespace (lab/util/netem.ts).
 * A warning, not an error: the netns runtime's relay needs no netem.
 */
export async function netemFinding(probe: Probe): Promise<Finding> {
  const id = "clab.netem";
  const what = "netem qdisc (sch_netem) for the clab runtime's impairments";
  const ip = probe.onPath("ip");
  const tc = probe.onPath("tc");
  if (probe.platform !== "linux" || probe.uid !== 0 || !ip || !tc)
    return {
      id,
      area: "clab",
      severity: "info",
      message: `${what}: not tested (${probe.platform !== "linux" ? "not Linux" : probe.uid !== 0 ? "needs root" : "ip or tc missing"})`,
      ...(probe.platform === "linux" && (!ip || !tc) ? { fix: aptInstall(probe, ["iproute2"]) } : {}),
    };
  const argv = netemProbeArgv(netemNamespace(probe.pid));
  const withPaths = (a: string[]) => a.map((x, i) => (i === 0 && x === "ip" ? ip : x === "tc" ? tc : x));
  await probe.run(withPaths(argv.remove));
  const added = await probe.run(withPaths(argv.add));
  if (added.code !== 0)
    return {
      id,
      area: "clab",
      severity: "info",
      message: `${what}: not tested (cannot create a namespace: ${firstLine(added.stderr) || `exit ${added.code}`})`,
    };
  try {
    const v = netemVerdict(await probe.run(withPaths(argv.attempt)));
    if (v.state === "present") return { id, area: "clab", severity: "ok", message: what };
    if (v.state === "absent")
      return {
        id,
        area: "clab",
        severity: "warn",
        message: `${v.why}: the clab runtime refuses scenarios that impair the link (impaired-vpn) and link zt set`,
        fix: v.fix,
      };
    return { id, area: "clab", severity: "info", message: `${what}: ${v.why}` };
  } finally {
    await probe.run(withPaths(argv.remove));
  }
}

/** The clab runtime's tools: informational only, a missing one never fails doctor. */
export async function clabFindings(probe: Probe, dockerTimeoutMs = 2000): Promise<Finding[]> {
  const out: Finding[] = [];
  const engine = await probe.docker(dockerTimeoutMs);
  if (engine.ok) {
    out.push({
      id: "clab.docker",
      area: "clab",
      severity: "ok",
      message: `Docker engine at ${engine.address}`,
    });
  } else {
    const installed = probe.installedAt("dockerd");
    out.push({
      id: "clab.docker",
      area: "clab",
      severity: "info",
      message: `no Docker engine answers at ${engine.address}`,
      fix: installed ? `${sudo(probe)}systemctl start docker` : aptInstall(probe, ["docker.io"]),
    });
  }
  const versionOf = async (path: string, args: string[]) => {
    const r = await probe.run([path, ...args], 5000);
    return parseVersion(`${r.stdout}\n${r.stderr}`)?.text;
  };
  for (const tool of CLAB_TOOLS) {
    const path = probe.onPath(tool.cmd);
    out.push(
      path
        ? {
            id: `clab.${tool.cmd}`,
            area: "clab",
            severity: "ok",
            message: `${tool.cmd} ${(await versionOf(path, tool.versionArgs)) ?? "(version unknown)"} (${path})`,
          }
        : {
            id: `clab.${tool.cmd}`,
            area: "clab",
            severity: "info",
            message: `${tool.what} is not installed`,
            fix: tool.install(probe.arch, sudo(probe)),
          },
    );
  }
  // Cilium goes in with either helm (values.yaml) or the cilium CLI.
  const helm = probe.onPath("helm");
  const cilium = probe.onPath("cilium");
  if (helm || cilium) {
    const parts: string[] = [];
    if (helm) parts.push(`helm ${(await versionOf(helm, ["version", "--short"])) ?? ""}`.trim());
    if (cilium) parts.push(`cilium CLI ${(await versionOf(cilium, ["version", "--client"])) ?? ""}`.trim());
    out.push({ id: "clab.cilium-installer", area: "clab", severity: "ok", message: parts.join(", ") });
  } else {
    out.push({
      id: "clab.cilium-installer",
      area: "clab",
      severity: "info",
      message: "neither helm nor the cilium CLI is installed (one of them installs Cilium in the cluster)",
      fix: HELM_INSTALL,
    });
  }
  out.push(await netemFinding(probe));
  return out;
}
