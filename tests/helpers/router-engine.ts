// A private Docker engine with the router image, for the integration tests that drive real router
// containers: whether this machine can run them, the engine started and the image built offline
// (timings logged), idle routers joined by a zt0 veth that never touches the host namespace,
// exec that must succeed, and the cleanup and "nothing left" checks every such file ends with.
import { existsSync, readFileSync, rmSync } from "node:fs";
import type { ExecutionContext } from "ava";
import type { RunSpec } from "../../lab/docker/container-spec.ts";
import { ContainerControl } from "../../lab/docker/containers.ts";
import { type PrivateEngine, startPrivateEngine } from "../../lab/docker/engine.ts";
import { leftoverPids, mountPointsUnder } from "../../lab/docker/leftovers.ts";
import { rootfsPaths } from "../../lab/docker/rootfs.ts";
import {
  buildRouterImage,
  DEFAULT_CACHE_DIR,
  ROUTER_IMAGE,
  ROUTER_ROOTFS,
} from "../../lab/docker/router-image.ts";
import { ROUTER_ZT_IF } from "../../lab/render/clab.ts";
import { formatSeconds } from "../../lab/report/scenario/format.ts";
import { run } from "../../lab/util/exec.ts";
import { missing, type Needed, unavailable } from "./prerequisites.ts";

/** A running private engine and the container control on it. */
export interface RouterEngine {
  readonly engine: PrivateEngine;
  readonly containers: ContainerControl;
}

/** One end of the zt link: the container it goes into, its veth name until renamed, its address. */
export interface ZtEnd {
  readonly container: string;
  readonly iface: string;
  readonly address: string;
}

/** Why this machine cannot run a private engine with the router image, or undefined when it can.
 * `commands` are the further executables the test file needs. */
export function routerEngineSkipReason(commands: readonly Needed[] = []): string | undefined {
  const why = unavailable("to run dockerd", [["dockerd", "docker.io"], ...commands]);
  if (why) return why;
  const cached = existsSync(rootfsPaths(DEFAULT_CACHE_DIR, ROUTER_ROOTFS).tarball);
  return cached ? undefined : missing(["debootstrap"]);
}

/** Starts a private engine in `root` and builds the router image offline (from the .lab/cache
 * root filesystem when there is one), logging how long each took. If the build fails, the engine
 * is stopped before the error is thrown. */
export async function startRouterEngine(t: ExecutionContext, root: string): Promise<RouterEngine> {
  let started = performance.now();
  const engine = await startPrivateEngine({ root });
  t.log(`engine up in ${formatSeconds(performance.now() - started)}`);
  started = performance.now();
  try {
    const built = await buildRouterImage({
      docker: engine.docker,
      method: "offline",
      cacheDir: DEFAULT_CACHE_DIR,
    });
    t.log(
      `image built in ${formatSeconds(performance.now() - started)} (rootfs cached: ${built.rootfsCached})`,
    );
  } catch (err) {
    await engine.stop().catch((stopErr: Error) => t.log(`engine stop after the failed build: ${stopErr}`));
    throw err;
  }
  return { engine, containers: new ContainerControl(engine.docker) };
}

/** Runs an idle router container (`sleep infinity`, NET_ADMIN): the test execs into it. */
export async function runIdleRouter(
  containers: ContainerControl,
  spec: Omit<RunSpec, "image" | "cmd">,
): Promise<void> {
  await containers.run({ image: ROUTER_IMAGE, cmd: ["sleep", "infinity"], capAdd: ["NET_ADMIN"], ...spec });
}

/** exec in a container that must succeed (10 s at most); its stdout. */
export async function execMust(
  containers: ContainerControl,
  container: string,
  argv: string[],
): Promise<string> {
  const r = await containers.exec(container, argv, { timeoutMs: 10_000 });
  if (r.exitCode !== 0)
    throw new Error(`${argv.join(" ")} in ${container}: exit ${r.exitCode}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** Joins two containers by a veth pair made in the temporary namespace `tmpns` (deleted again),
 * each end moved into its container by pid and there renamed zt0, given the MTU and its address,
 * and set up: no address or interface ever exists in the host namespace. */
export async function wireZtLink(
  containers: ContainerControl,
  ends: readonly [ZtEnd, ZtEnd],
  opts: { mtu: number; prefixLength: number; tmpns: string },
): Promise<void> {
  const { tmpns } = opts;
  await run(["ip", "netns", "add", tmpns]);
  await run([
    "ip",
    "-n",
    tmpns,
    "link",
    "add",
    "name",
    ends[0].iface,
    "type",
    "veth",
    "peer",
    "name",
    ends[1].iface,
  ]);
  for (const end of ends) {
    const { pid } = await containers.inspect(end.container);
    await run(["ip", "-n", tmpns, "link", "set", end.iface, "netns", String(pid)]);
  }
  await run(["ip", "netns", "del", tmpns]);
  for (const { container, iface, address } of ends) {
    const must = (argv: string[]) => execMust(containers, container, argv);
    await must(["ip", "link", "set", iface, "name", ROUTER_ZT_IF]);
    await must(["ip", "link", "set", ROUTER_ZT_IF, "mtu", String(opts.mtu)]);
    await must(["ip", "addr", "add", `${address}/${opts.prefixLength}`, "dev", ROUTER_ZT_IF]);
    await must(["ip", "link", "set", ROUTER_ZT_IF, "up"]);
  }
}

/** For after.always: removes the labelled containers and stops the engine (when it started),
 * deletes the temporary namespace, and removes the engine root when nothing is mounted under it. */
export async function cleanupRouterEngine(opts: {
  engine: PrivateEngine | undefined;
  label: Record<string, string>;
  root: string;
  tmpns?: string;
}): Promise<void> {
  const { engine, label, root, tmpns } = opts;
  if (engine) {
    const containers = new ContainerControl(engine.docker);
    for (const c of await containers.list(label).catch(() => [])) {
      await containers.remove(c.name, { force: true, ignoreMissing: true }).catch(() => {});
    }
    await engine.stop();
  }
  if (tmpns) await run(["ip", "netns", "del", tmpns], { allowFailure: true });
  if (mountPointsUnder(readFileSync("/proc/self/mountinfo", "utf8"), root).length === 0) {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Stops the engine and asserts that nothing is left: no labelled container (checked first), no
 * engine process, and no temporary namespace. */
export async function assertRouterEngineGone(
  t: ExecutionContext,
  engine: PrivateEngine,
  opts: { label: Record<string, string>; root: string; tmpns?: string },
): Promise<void> {
  t.deepEqual(await new ContainerControl(engine.docker).list(opts.label), []);
  await engine.stop();
  t.deepEqual(await leftoverPids(opts.root), []);
  if (opts.tmpns) t.false((await run(["ip", "netns", "list"])).stdout.includes(opts.tmpns));
}
