// The runner container: one long-lived container per lab, holding that lab's namespaces and
// daemons. It has no network but its loopback (the lab makes its own links inside it), only the
// capabilities the netns runtime uses, and the checkout bind-mounted at the same path, so paths
// in messages and reports are the host's. Removing the container removes the whole lab.
import { lstatSync } from "node:fs";
import { join } from "node:path";
import type Docker from "dockerode";
import type { RunSpec } from "../docker/container-spec.ts";
import { ContainerControl } from "../docker/containers.ts";
import { statusOf } from "../docker/errors.ts";

export const RUNNER_LABEL = "xsite.runner";
export const RUNNER_LAB_LABEL = "xsite.runner.lab";
export const RUNNER_CHECKOUT_LABEL = "xsite.runner.checkout";
/** Where the lab keeps its sockets, pid files and logs in the runner: the container's own file
 * system, as unix sockets on a bind mount from macOS or Windows are not dependable. */
export const RUNNER_WORKDIR = "/var/lib/xsite-lab";

/** ip link, veths, bridges, VXLAN, sysctls (NET_ADMIN); `ip netns add` mounts (SYS_ADMIN); ping and
 * fping raw sockets (NET_RAW); reading daemons' /proc entries for memory and leftovers (SYS_PTRACE). */
export const RUNNER_CAPABILITIES = ["NET_ADMIN", "SYS_ADMIN", "NET_RAW", "SYS_PTRACE"];
/** seccomp: setns/unshare/mount are filtered by the default profile. With it, system paths
 * unmasked (unmaskSystemPaths, = systempaths=unconfined): else /proc/sys is read-only and the
 * first sysctl (ip_forward in a router) fails. --privileged is not needed (some engines refuse it). */
export const RUNNER_SECURITY = ["seccomp=unconfined"];

export function runnerName(lab: string): string {
  return `xsite-runner-${lab}`;
}

/** The create spec of a lab's runner container. `nodeModulesIsDir`: the checkout's node_modules
 * is a real directory, masked by an empty tmpfs: it may hold another platform's native binaries
 * (esbuild's, a macOS host's), and Node's lookup then falls through to the image's /node_modules. */
export function runnerSpec(opts: {
  lab: string;
  image: string;
  checkout: string;
  nodeModulesIsDir: boolean;
}): RunSpec {
  const { checkout } = opts;
  return {
    name: runnerName(opts.lab),
    image: opts.image,
    cmd: ["sleep", "infinity"],
    init: true,
    hostname: runnerName(opts.lab),
    networkMode: "none",
    capAdd: RUNNER_CAPABILITIES,
    securityOpt: RUNNER_SECURITY,
    unmaskSystemPaths: true,
    binds: [`${checkout}:${checkout}`],
    ...(opts.nodeModulesIsDir ? { tmpfs: [join(checkout, "node_modules")] } : {}),
    workingDir: checkout,
    env: {
      // The CLI inside runs the lab itself: never again in a runner.
      LAB_RUNNER: runnerName(opts.lab),
      LAB_WORKDIR: RUNNER_WORKDIR,
      // Reports and bench figures land in the host's checkout.
      LAB_OUTPUT: join(checkout, ".lab"),
    },
    labels: { [RUNNER_LABEL]: "1", [RUNNER_LAB_LABEL]: opts.lab, [RUNNER_CHECKOUT_LABEL]: checkout },
  };
}

export function nodeModulesIsDir(checkout: string): boolean {
  try {
    return lstatSync(join(checkout, "node_modules")).isDirectory();
  } catch {
    return false;
  }
}

export interface RunnerInfo {
  name: string;
  lab: string;
  checkout: string;
  state: string;
  image: string;
}

/** Every runner container on the engine (any lab, any checkout). */
export async function listRunners(docker: Docker): Promise<RunnerInfo[]> {
  const found = await docker.listContainers({ all: true, filters: { label: [RUNNER_LABEL] } });
  return found.map((c) => ({
    name: (c.Names[0] ?? "").replace(/^\//, ""),
    lab: c.Labels[RUNNER_LAB_LABEL] ?? "?",
    checkout: c.Labels[RUNNER_CHECKOUT_LABEL] ?? "?",
    state: c.State,
    image: c.Image,
  }));
}

/** The lab's runner container, if there is one (running or not). */
export async function findRunner(docker: Docker, lab: string): Promise<RunnerInfo | undefined> {
  try {
    const info = await docker.getContainer(runnerName(lab)).inspect();
    return {
      name: runnerName(lab),
      lab: info.Config.Labels[RUNNER_LAB_LABEL] ?? lab,
      checkout: info.Config.Labels[RUNNER_CHECKOUT_LABEL] ?? "?",
      state: info.State.Status,
      image: info.Config.Image,
    };
  } catch (err) {
    if (statusOf(err) === 404) return undefined;
    throw err;
  }
}

/** Starts the lab's runner unless it runs; a stopped one is replaced. A running one is kept even
 * when its image is older: replacing it would end the lab inside. Whether it was created now. */
export async function ensureRunner(docker: Docker, spec: RunSpec): Promise<{ created: boolean }> {
  const existing = await findRunner(docker, spec.labels?.[RUNNER_LAB_LABEL] ?? "");
  if (existing?.state === "running") return { created: false };
  await new ContainerControl(docker).run({ ...spec, replace: true });
  return { created: true };
}

/** Removes the container and everything in it (processes, namespaces); a missing one is fine. */
export async function removeRunner(docker: Docker, name: string): Promise<void> {
  await new ContainerControl(docker).remove(name, { force: true, ignoreMissing: true });
}
