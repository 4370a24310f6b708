// Starting the lab's daemons inside their namespaces: the ZeroTier relay, BIRD per router,
// gobgpd per Cilium node (one per bgpInstance) and one stand-in kubelet process for all nodes. Every pid is
// journaled with its start time so `down` kills exactly these processes.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { BirdClient } from "../../bird/client.ts";
import { gobgpTools } from "../../gobgp/binary.ts";
import { gobgpAddPrefix, gobgpReady } from "../../gobgp/cli.ts";
import { birdWrapper } from "../../render/bird.ts";
import { gobgpSpeakers } from "../../render/gobgp.ts";
import type { K8sNode, Lab, Router } from "../../topology/model.ts";
import { labNodeLifecycle } from "../../topology/node-lifecycle.ts";
import { LabError } from "../../util/errors.ts";
import { run } from "../../util/exec.ts";
import { isAlive, processStartTime, readPidFile, spawnInNetns } from "../../util/processes.ts";
import { giveUp, waitFor } from "../../util/wait.ts";
import { type WorkPaths, workPaths } from "../workdir.ts";
import type { Journal } from "./journal.ts";
import { type NetnsPlan, nsName, planNetns } from "./plan.ts";

export interface DaemonContext {
  lab: Lab;
  plan: NetnsPlan;
  paths: WorkPaths;
  journal: Journal;
  bundles: { helpers: string; kubelet: string };
}

function track(ctx: DaemonContext, name: string, ns: string, pid: number, argv: string[]): void {
  ctx.journal.record({ kind: "process", name, ns, pid, startTime: processStartTime(pid) ?? "", argv });
}

function lastLines(file: string, n = 8): string {
  try {
    return readFileSync(file, "utf8").trim().split("\n").slice(-n).join("\n");
  } catch {
    return "";
  }
}

/** The descriptor the root's socket is inherited on: the chain's first. */
const ROOT_FD = 3;

/** The relay's command-line words (lab/emulate/zerotier/main-args.ts). */
function relayArgs(ctx: Pick<DaemonContext, "plan" | "paths">): string[] {
  const { relay } = ctx.plan;
  const argv = ["--bind", relay.address, "--port", String(relay.port), "--control", ctx.paths.relaySocket];
  argv.push("--root-fd", String(ROOT_FD));
  for (const e of relay.endpoints) argv.push("--endpoint", `${e.name}=${e.address}`);
  for (const b of relay.baseline) argv.push("--path", `${b.direction}=${JSON.stringify(b.impairment)}`);
  return argv;
}

/**
 * Starts the lab's helper process (lab/emulate/helpers-main.ts): the ZeroTier relay and the
 * kubelet stand-ins of `nodes` (with the control plane) in one Node.js process in the inet
 * namespace, so the seed pays for one runtime instead of two. It comes up with the relay, before
 * BIRD: the kubelets only need their namespaces' addresses, and their heartbeats retry every
 * second while the routes converge. Journaled as "relay" and "kubelets" (one pid).
 */
export async function startHelpers(ctx: DaemonContext, nodes: readonly K8sNode[]): Promise<void> {
  const { relay } = ctx.plan;
  mkdirSync(`${ctx.paths.root}/relay`, { recursive: true });
  const argv = helpersArgv(ctx, nodes);
  const log = ctx.paths.relayLog;
  // argv is `ip netns exec NS ...`: the chain's first step (or the server) runs in NS.
  const pid = spawnInNetns(argv[3] as string, argv.slice(4), log);
  track(ctx, "relay", relay.ns, pid, argv);
  if (nodes.length) track(ctx, "kubelets", relay.ns, pid, argv);
  const want = nodes.length ? "kubelets ready" : "relay ready";
  await waitFor(
    async () => {
      if (!isAlive(pid))
        throw giveUp(new LabError(`the relay and kubelet process exited:\n${lastLines(log)}`));
      const text = lastLines(log, 50 + nodes.length);
      return (
        text.includes(want) ||
        (text.includes("relay ready") ? "kubelets not listening yet" : "relay not ready yet")
      );
    },
    // Each step of the chain is an `ip netns exec` and a perl start (~20 ms measured).
    {
      what: "ZeroTier relay and kubelet stand-ins ready",
      budgetMs: 10_000 + 50 * nodes.length,
      intervalMs: 50,
    },
  );
}

/** The helpers process's argv: a listen-fd.pl step in the root's namespace opens the root's socket
 * on ROOT_FD, the kubelets' chain follows from the next descriptor, and the process in the inet
 * namespace gets the kubelet arguments, then `--relay` and the relay's. */
export function helpersArgv(
  ctx: Pick<DaemonContext, "lab" | "plan" | "paths" | "bundles">,
  nodes: readonly K8sNode[],
): string[] {
  const { relay } = ctx.plan;
  const rootStep = ["ip", "netns", "exec", relay.root.ns, "perl", LISTEN_FD];
  rootStep.push(String(ROOT_FD), relay.root.address, `udp:${relay.port}`);
  return [
    ...rootStep,
    ...kubeletChain(ctx.lab.name, nodes, relay.ns, ctx.bundles.helpers, controlPlaneOf(ctx.lab), ROOT_FD + 1),
    "--relay",
    ...relayArgs(ctx),
  ];
}

/** The daemon context of a lab that is up (helper bundles already built by `up`). */
export function daemonContext(lab: Lab, journal: Journal): DaemonContext {
  const paths = workPaths(lab.name);
  return {
    lab,
    plan: planNetns(lab),
    paths,
    journal,
    bundles: { helpers: `${paths.bin}/helpers.mjs`, kubelet: `${paths.bin}/kubelet.mjs` },
  };
}

export async function startBird(ctx: DaemonContext, router: Router): Promise<void> {
  const ns = nsName(ctx.lab.name, router.name);
  const dir = ctx.paths.birdDir(router.name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(ctx.paths.birdWrapper(router.name), birdWrapper(router, ctx.paths.birdLog(router.name)));
  const argv = [
    "bird",
    "-c",
    ctx.paths.birdWrapper(router.name),
    "-s",
    ctx.paths.birdSocket(router.name),
    "-P",
    ctx.paths.birdPid(router.name),
  ];
  // BIRD daemonises after parsing: a bad config fails here with BIRD's own file:line message.
  const r = await run(argv, { netns: ns, allowFailure: true, timeoutMs: 10_000 });
  if (r.code !== 0) {
    throw new LabError(
      `BIRD on ${router.name} did not start: ${(r.stderr || r.stdout).trim()}`,
      // `bird -p` only parses: a config can pass it and still fail at start (log file, router id).
      `the message is BIRD's own, about ${router.birdConf}; its log is ${ctx.paths.birdLog(router.name)}`,
    );
  }
  const pidFile = ctx.paths.birdPid(router.name);
  await waitFor(async () => (readPidFile(pidFile) !== null ? true : "no pid file yet"), {
    what: `BIRD pid file of ${router.name}`,
    budgetMs: 5000,
    intervalMs: 20,
  });
  const pid = readPidFile(pidFile) as number;
  track(ctx, `bird:${router.name}`, ns, pid, argv);
  await waitFor(
    async () => {
      if (!isAlive(pid))
        throw giveUp(
          new LabError(`BIRD on ${router.name} exited:\n${lastLines(ctx.paths.birdLog(router.name))}`),
        );
      const c = await BirdClient.connect(ctx.paths.birdSocket(router.name), 1000);
      c.close();
      return true;
    },
    { what: `BIRD control socket of ${router.name}`, budgetMs: 10_000, intervalMs: 50 },
  );
}

/** Routers accept BGP once BIRD listens on :179; a refused first dial stalls gobgpd (docs/facts.md). */
export async function waitBgpListening(ctx: DaemonContext, router: Router): Promise<void> {
  const ns = nsName(ctx.lab.name, router.name);
  await waitFor(
    async () => {
      const r = await run(["ss", "-Hltn", "sport", "=", ":179"], { netns: ns, allowFailure: true });
      return r.stdout.trim() !== "" || "BIRD not listening on :179 yet";
    },
    { what: `${router.name} listening for BGP`, budgetMs: 10_000, intervalMs: 50 },
  );
}

/**
 * Starts a node's speakers. `restarting` sets the graceful-restart restart-state flag, as the
 * Cilium agent does when it comes back with graceful restart enabled.
 */
export async function startSpeakers(
  ctx: DaemonContext,
  node: K8sNode,
  opts: { restarting?: boolean } = {},
): Promise<void> {
  const ns = nsName(ctx.lab.name, node.name);
  const dir = ctx.paths.nodeDir(node.name);
  for (const s of gobgpSpeakers(node)) {
    const cfg = `${ctx.paths.rendered}/${s.configPath}`;
    if (!existsSync(cfg)) throw new LabError(`rendered GoBGP config missing: ${cfg}`);
    const argv = [
      gobgpTools().gobgpd,
      "-t",
      "yaml",
      "-f",
      cfg,
      "--api-hosts",
      `127.0.0.1:${s.apiPort}`,
      "-p",
      "--pprof-disable",
    ];
    if (opts.restarting) argv.push("--graceful-restart");
    const log = `${dir}/gobgpd-${s.instance}.log`;
    const pid = spawnInNetns(ns, argv, log);
    track(ctx, `gobgpd:${node.name}:${s.instance}`, ns, pid, argv);
    await waitFor(
      async () => {
        if (!isAlive(pid)) throw giveUp(new LabError(`gobgpd on ${node.name} exited:\n${lastLines(log)}`));
        // Each probe is an `ip netns exec` and a Go CLI start; reading the log first spares the
        // probes that would fail while gobgpd is still starting (many, with 250 nodes on 2 cores).
        if (!lastLines(log, 20).includes(GOBGPD_CONFIG_READ)) return "config file not read yet";
        return (await gobgpReady(ns, s.apiPort)) || "gRPC API not answering yet";
      },
      { what: `gobgpd API of ${node.name}`, budgetMs: 10_000, intervalMs: 50 },
    );
    // Cilium originates the node's pod CIDR through the API; a config file cannot.
    for (const r of s.routes) await gobgpAddPrefix(ns, s.apiPort, r.prefix, r.attributes);
  }
}

/** gobgpd logs this once it has applied its config file (measured here with 3.10 and 3.36; its
 * gRPC API answers from then on); the CLI probe after it stays the proof. */
const GOBGPD_CONFIG_READ = "Finished reading the config file";

/** lab/emulate/listen-fd.pl: opens a listener in the namespace it runs in, then execs on. */
const LISTEN_FD = fileURLToPath(new URL("../../emulate/listen-fd.pl", import.meta.url));

/**
 * The argv that starts one kubelet stand-in for `nodes`: a chain of `ip netns exec <node ns>
 * perl listen-fd.pl FD ADDRESS PORT ...` steps, each opening a node's sockets inside its
 * namespace on the next descriptors and exec'ing the next step, ending in the server (in
 * `serverNs`) that inherits them all. The pid stays the same along the chain (every step execs).
 * Per node: its kubelet listener (:10250) and a UDP socket its heartbeats leave from; on the
 * control-plane node also the control plane's API (:6443, TCP for reads, UDP for heartbeats).
 * `firstFd`: where the chain's descriptors start (an earlier step holds the ones below).
 */
export function kubeletChain(
  labName: string,
  nodes: readonly K8sNode[],
  serverNs: string,
  bundle: string,
  controlPlane: { address: string; gracePeriodMs: number; tolerationMs: number } | null = null,
  firstFd = 3,
): string[] {
  const chain: string[] = [];
  const args: string[] = [];
  let fd = firstFd;
  for (const n of nodes) {
    const specs = [String(fd), n.address, String(KUBELET_PORT)];
    args.push("--listen", `${n.name}=${fd++}`);
    if (controlPlane) {
      specs.push(String(fd), n.address, "udp:0");
      const pods = n.pods.map((p) => p.name).join(",");
      args.push("--heartbeat", `${n.name}=${fd++}:${n.role}:${pods}`);
      if (n.address === controlPlane.address) {
        specs.push(String(fd), n.address, String(API_PORT), String(fd + 1), n.address, `udp:${API_PORT}`);
        args.push("--api", `${fd},${fd + 1}`, "--grace-ms", String(controlPlane.gracePeriodMs));
        args.push("--toleration-ms", String(controlPlane.tolerationMs));
        fd += 2;
      }
    }
    chain.push("ip", "netns", "exec", nsName(labName, n.name), "perl", LISTEN_FD, ...specs);
  }
  if (controlPlane) args.push("--control-plane", controlPlane.address);
  return [...chain, "ip", "netns", "exec", serverNs, "node", bundle, ...args];
}

/** The API server's port (kube-apiserver --secure-port default). */
export const API_PORT = 6443;

/** Where the control-plane stand-in runs and with which timers; null without a control-plane node. */
export function controlPlaneOf(
  lab: Lab,
): { address: string; gracePeriodMs: number; tolerationMs: number } | null {
  const cp = lab.nodes.find((n) => n.role === "control-plane");
  return cp ? { address: cp.address, ...labNodeLifecycle(lab.cluster) } : null;
}

const KUBELET_PORT = 10250;

/**
 * Starts one kubelet stand-in process serving `nodes` (all nodes at `up`; a joining node gets
 * its own). It runs in the lab's inet namespace, which lives as long as the lab: a node that
 * leaves must not take the other nodes' kubelets with it (control.ts removeNode).
 */
export async function startKubelets(ctx: DaemonContext, nodes: readonly K8sNode[]): Promise<void> {
  if (nodes.length === 0) return;
  const [first] = nodes as [K8sNode];
  const argv = kubeletChain(
    ctx.lab.name,
    nodes,
    ctx.plan.relay.ns,
    ctx.bundles.kubelet,
    controlPlaneOf(ctx.lab),
  );
  const log =
    nodes.length === 1 ? `${ctx.paths.nodeDir(first.name)}/kubelet.log` : `${ctx.paths.root}/kubelets.log`;
  // The chain's first step runs in the first node's namespace; the server ends in serverNs.
  const pid = spawnInNetns(nsName(ctx.lab.name, first.name), argv.slice(4), log);
  track(ctx, nodes.length === 1 ? `kubelet:${first.name}` : "kubelets", ctx.plan.relay.ns, pid, argv);
  const what =
    nodes.length === 1 ? `kubelet stand-in of ${first.name}` : `kubelet stand-in of ${nodes.length} nodes`;
  await waitFor(
    async () => {
      if (!isAlive(pid)) throw giveUp(new LabError(`${what} exited:\n${lastLines(log)}`));
      return lastLines(log, 3).includes("kubelets ready") || "not listening yet";
    },
    // Each step of the chain is an `ip netns exec` and a perl start (~20 ms measured).
    { what, budgetMs: 10_000 + 50 * nodes.length, intervalMs: 50 },
  );
}
