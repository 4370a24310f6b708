// What the clab runtime needs from the machine, all checked before anything is created, every
// missing piece named with how to install it (one message, not one failure per run):
//   - root (containerlab creates veths and network namespaces),
//   - a Docker engine answering /_ping (through dockerode, like every container operation),
//   - the commands containerlab, kind or k3d (per --k8s), helm or the cilium CLI, and kubectl,
//   - the kernel's sch_netem when the topology has internet paths (netem on zt0 from the start).
// Detection is real: commands are looked up on PATH, the engine is pinged.
import { connectEngine, pingEngine } from "../../docker/engine.ts";
import { LabError } from "../../util/errors.ts";
import type { NetemSupport } from "../../util/netem.ts";
import type { K8sDistributionName } from "./distributions.ts";
import type { ExternalTools } from "./tools.ts";
import {
  CILIUM_CLI_VERSION,
  CONTAINERLAB_VERSION,
  HELM_VERSION,
  K3D_VERSION,
  KIND_VERSION,
  KUBECTL_VERSION,
} from "./versions.ts";

export interface MissingPrerequisite {
  /** "containerlab", "Docker engine", "helm or cilium CLI", ... */
  what: string;
  /** Why it counts as missing (not on PATH, not reachable, ...). */
  problem: string;
  /** How to get it, as a command where there is one. */
  install: string;
}

export interface PrerequisiteOptions {
  k8s: K8sDistributionName;
  tools: ExternalTools;
  /** Throws (a LabError saying how to start one) when no engine answers; default: dockerode ping. */
  pingDocker?: () => Promise<void>;
  /** Default: the effective uid is 0. */
  isRoot?: boolean;
  /** For download URLs in the hints; default from process.arch. */
  arch?: string;
  /** Also what scenarios use on the host: nsenter, ip, ping and fping run inside lab namespaces. */
  scenarios?: boolean;
  /** Set when the lab needs netem from the start (the topology's zerotier.paths on zt0): how to
   * tell whether the kernel has sch_netem (lab/util/netem.ts). */
  netem?: () => NetemSupport;
}

/** Host commands scenarios run inside containers' and pods' network namespaces. */
export const SCENARIO_COMMANDS: { cmd: string; pkg: string }[] = [
  { cmd: "nsenter", pkg: "util-linux" },
  { cmd: "ip", pkg: "iproute2" },
  { cmd: "ping", pkg: "iputils-ping" },
  { cmd: "fping", pkg: "fping" },
];

export interface Prerequisites {
  missing: MissingPrerequisite[];
  /** How Cilium gets installed: helm when present, else the cilium CLI. */
  ciliumInstaller: "helm" | "cilium" | null;
  /** `cilium bgp peers` and `cilium status` are used when the CLI exists. */
  hasCiliumCli: boolean;
}

/** Go's architecture names, as release file names use them. */
export function goArch(arch: string = process.arch): string {
  return arch === "x64" ? "amd64" : arch === "ia32" ? "386" : arch;
}

export function installHints(arch = goArch()): Record<string, string> {
  return {
    containerlab: `bash -c "$(curl -sL https://get.containerlab.dev)" -- -v ${CONTAINERLAB_VERSION}`,
    kind: `go install sigs.k8s.io/kind@${KIND_VERSION}, or the release binary: curl -Lo /usr/local/bin/kind https://kind.sigs.k8s.io/dl/${KIND_VERSION}/kind-linux-${arch} && chmod +x /usr/local/bin/kind`,
    k3d: `curl -s https://raw.githubusercontent.com/k3d-io/k3d/main/install.sh | TAG=${K3D_VERSION} bash`,
    helm: `curl -fsSL https://get.helm.sh/helm-${HELM_VERSION}-linux-${arch}.tar.gz | tar -xz -C /tmp && install /tmp/linux-${arch}/helm /usr/local/bin/helm`,
    cilium: `curl -fsSL https://github.com/cilium/cilium-cli/releases/download/${CILIUM_CLI_VERSION}/cilium-linux-${arch}.tar.gz | tar -xz -C /usr/local/bin cilium`,
    kubectl: `curl -Lo /usr/local/bin/kubectl https://dl.k8s.io/release/${KUBECTL_VERSION}/bin/linux/${arch}/kubectl && chmod +x /usr/local/bin/kubectl`,
  };
}

async function defaultPing(): Promise<void> {
  await pingEngine(connectEngine(), 3000);
}

export async function checkPrerequisites(opts: PrerequisiteOptions): Promise<Prerequisites> {
  const hints = installHints(opts.arch);
  const missing: MissingPrerequisite[] = [];
  const root = opts.isRoot ?? process.getuid?.() === 0;
  if (!root)
    missing.push({
      what: "root",
      problem: "containerlab creates veth pairs and network namespaces",
      install: "run it with sudo, e.g. sudo make lab-up RUNTIME=clab",
    });
  try {
    await (opts.pingDocker ?? defaultPing)();
  } catch (err) {
    missing.push({
      what: "Docker engine",
      problem: (err as Error).message,
      // containerlab, kind and k3d all talk to the engine at DOCKER_HOST or the default socket:
      // a private engine elsewhere does not help them.
      install:
        "start the system engine (systemctl start docker; Debian/Ubuntu package docker.io), or point DOCKER_HOST at a running one",
    });
  }
  const has = (cmd: string) => opts.tools.which(cmd) !== undefined;
  const command = (cmd: string) => {
    if (!has(cmd))
      missing.push({ what: cmd, problem: "not found on PATH", install: hints[cmd] ?? `install ${cmd}` });
  };
  command("containerlab");
  command(opts.k8s);
  const hasHelm = has("helm");
  const hasCiliumCli = has("cilium");
  if (!hasHelm && !hasCiliumCli)
    missing.push({
      what: "helm or cilium CLI",
      problem: "neither helm nor cilium found on PATH (one of them installs Cilium)",
      install: `${hints.helm}\n      or: ${hints.cilium}`,
    });
  command("kubectl");
  const netem = opts.netem?.();
  if (netem?.state === "absent")
    missing.push({
      what: "sch_netem",
      problem: `${netem.why}; the topology's zerotier.paths are netem qdiscs on each router's zt0 (so are impairments)`,
      install: `${netem.fix}; or leave zerotier.paths out of the topology`,
    });
  if (opts.scenarios)
    for (const c of SCENARIO_COMMANDS)
      if (!has(c.cmd))
        missing.push({
          what: c.cmd,
          problem: "not found on PATH (scenarios run it inside the lab's network namespaces)",
          install: `apt-get install -y ${c.pkg}`,
        });
  return { missing, ciliumInstaller: hasHelm ? "helm" : hasCiliumCli ? "cilium" : null, hasCiliumCli };
}

/** The multi-line message naming every missing prerequisite. */
export function formatMissing(missing: MissingPrerequisite[], k8s: K8sDistributionName): string {
  const n = missing.length;
  return [
    `the clab runtime (${k8s}) cannot start: ${n} prerequisite${n === 1 ? " is" : "s are"} missing; nothing was created`,
    ...missing.flatMap((m) => [`  - ${m.what}: ${m.problem}`, `      install: ${m.install}`]),
  ].join("\n");
}

/** Throws one LabError naming every missing prerequisite; returns what was found otherwise. */
export async function requirePrerequisites(opts: PrerequisiteOptions): Promise<Prerequisites> {
  const p = await checkPrerequisites(opts);
  if (p.missing.length)
    throw new LabError(
      formatMissing(p.missing, opts.k8s),
      "the default runtime needs none of these: npm run lab -- up (runtime netns)",
    );
  return p;
}
