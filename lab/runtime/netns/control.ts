// Run-time changes to a live netns lab, as scenario faults need them: killing, stopping and
// restarting daemons, reloading a router's config, removing a node and adding a new one.
// Everything acts on journaled processes and lab namespaces only.
import { mkdirSync, writeFileSync } from "node:fs";
import { BirdClient } from "../../bird/client.ts";
import { ValidationError } from "../../config/diagnostics.ts";
import { birdWrapper } from "../../render/bird.ts";
import { renderGobgp } from "../../render/gobgp.ts";
import { withNode } from "../../topology/build.ts";
import type { K8sNode, Lab, NodeJoin, Router } from "../../topology/model.ts";
import { LabError } from "../../util/errors.ts";
import { run } from "../../util/exec.ts";
import { deleteNetns, netnsPids } from "../../util/netns.ts";
import { isAlive, signal, stopProcess } from "../../util/processes.ts";
import { createLinks, createNamespaces } from "./build.ts";
import { type DaemonContext, startBird, startKubelets, startSpeakers } from "./daemons.ts";
import type { JournalEntry } from "./journal.ts";
import { nsName, planNetns } from "./plan.ts";
import { serviceRefusals } from "./services.ts";

type ProcessEntry = Extract<JournalEntry, { kind: "process" }>;

/** The latest journaled process of that name (a restarted daemon appends a new entry). */
export function latestProcess(ctx: DaemonContext, name: string): ProcessEntry | undefined {
  return ctx.journal
    .entries()
    .filter((e): e is ProcessEntry => e.kind === "process" && e.name === name)
    .at(-1);
}

async function killAndWait(p: ProcessEntry | undefined, sig: NodeJS.Signals): Promise<boolean> {
  if (!p || !isAlive(p.pid, p.startTime || undefined)) return false;
  if (sig === "SIGKILL") {
    signal(p.pid, "SIGKILL");
    for (let i = 0; i < 200 && isAlive(p.pid, p.startTime || undefined); i++)
      await new Promise((r) => setTimeout(r, 10));
  } else {
    await stopProcess(p.pid, p.startTime || undefined, 5000);
  }
  return true;
}

function router(ctx: DaemonContext, name: string): Router {
  const r = ctx.lab.routers.find((x) => x.name === name);
  if (!r) throw new LabError(`no router named ${name}`);
  return r;
}

/** SIGKILL: a crash, peers only notice at hold-timer expiry or on the next TCP packet. */
export async function killBird(ctx: DaemonContext, name: string): Promise<void> {
  if (!(await killAndWait(latestProcess(ctx, `bird:${name}`), "SIGKILL")))
    throw new LabError(`BIRD on ${name} is not running`);
}

/** A graceful stop: `down` over the control socket, BIRD sends Cease to its peers and exits. */
export async function stopBird(ctx: DaemonContext, name: string): Promise<void> {
  const p = latestProcess(ctx, `bird:${name}`);
  if (!p || !isAlive(p.pid, p.startTime || undefined)) throw new LabError(`BIRD on ${name} is not running`);
  const c = await BirdClient.connect(ctx.paths.birdSocket(name));
  try {
    await c.request("down").catch(() => undefined); // BIRD closes the socket while shutting down
  } finally {
    c.close();
  }
  for (let i = 0; i < 500 && isAlive(p.pid, p.startTime || undefined); i++)
    await new Promise((r) => setTimeout(r, 10));
  if (isAlive(p.pid, p.startTime || undefined)) await stopProcess(p.pid, p.startTime || undefined);
}

export async function startBirdAgain(ctx: DaemonContext, name: string): Promise<void> {
  const p = latestProcess(ctx, `bird:${name}`);
  if (p && isAlive(p.pid, p.startTime || undefined)) throw new LabError(`BIRD on ${name} is already running`);
  await startBird(ctx, router(ctx, name));
}

/**
 * Loads another bird.conf into a running BIRD (`configure`), through a wrapper like the one
 * `up` writes, so logging stays the same. Returns BIRD's answer ("Reconfigured", ...).
 */
export async function reconfigureBird(ctx: DaemonContext, name: string, configFile: string): Promise<string> {
  const r = router(ctx, name);
  const wrapper = `${ctx.paths.birdDir(name)}/bird-reconfigure.conf`;
  writeFileSync(wrapper, birdWrapper({ ...r, birdConf: configFile }, ctx.paths.birdLog(name)));
  const c = await BirdClient.connect(ctx.paths.birdSocket(name));
  try {
    const reply = await c.request(`configure "${wrapper}"`, 15_000);
    // "Reading configuration from ..." then the outcome: the outcome is what matters.
    return reply.text.trim().split("\n").at(-1) ?? "";
  } finally {
    c.close();
  }
}

export async function stopSpeakers(ctx: DaemonContext, node: string, sig: NodeJS.Signals): Promise<number> {
  let n = 0;
  for (const inst of ctx.lab.nodes.find((x) => x.name === node)?.bgp?.instances ?? []) {
    if (await killAndWait(latestProcess(ctx, `gobgpd:${node}:${inst.name}`), sig)) n++;
  }
  if (n === 0) throw new LabError(`no BGP speaker of ${node} is running`);
  return n;
}

export async function startSpeakersAgain(ctx: DaemonContext, node: string): Promise<void> {
  const n = ctx.lab.nodes.find((x) => x.name === node);
  if (!n) throw new LabError(`no node named ${node}`);
  const gr = n.bgp?.instances.some((i) => i.peers.some((p) => p.gracefulRestart.enabled)) ?? false;
  await startSpeakers(ctx, n, { restarting: gr });
}

/** Removes a node as if it left the cluster: its daemons, its namespace and its pods'. */
export async function removeNode(ctx: DaemonContext, node: string): Promise<void> {
  const n = ctx.lab.nodes.find((x) => x.name === node);
  if (!n) throw new LabError(`no node named ${node}`);
  for (const e of ctx.journal.entries()) {
    if (e.kind === "process" && (e.name.startsWith(`gobgpd:${node}:`) || e.name === `kubelet:${node}`))
      await stopProcess(e.pid, e.startTime || undefined);
  }
  for (const ns of [nsName(ctx.lab.name, node), ...n.pods.map((p) => nsName(ctx.lab.name, p.name))]) {
    for (const pid of await netnsPids(ns)) await stopProcess(pid, undefined, 500);
    // The kubelet stand-in of the nodes brought up together keeps this node's listening socket,
    // and with it the namespace, alive past `ip netns delete`: its links go first, so the node's
    // address is gone from the LAN as when a real node leaves.
    await deleteLinks(ns);
    await deleteNetns(ns);
  }
}

/** The model of a node joining at run time, with its BGP resolved from the lab's CRDs. */
/**
 * Adds a node while the lab runs: namespaces and links for it and its pods (the difference
 * between the lab's plan with and without it), its speaker and kubelet. Returns the grown lab.
 */
export async function addNode(ctx: DaemonContext, spec: NodeJoin): Promise<Lab> {
  // The same passes as loading a topology with the node in it (topology/build.ts).
  const grown = withNode(ctx.lab, spec);
  const node = grown.nodes.find((n) => n.name === spec.name) as K8sNode;
  // A joining node has no backend yet: under Cluster policy it would advertise a Service it
  // cannot deliver (services.ts); refused before anything is created, as at `up`.
  const refused = serviceRefusals(grown, node.name);
  if (refused.length) throw new ValidationError(refused);
  const before = planNetns(ctx.lab);
  const after = planNetns(grown);
  const known = new Set(before.namespaces.map((n) => n.name));
  const newNs = after.namespaces.filter((n) => !known.has(n.name));
  const touches = (ns: string) => newNs.some((n) => n.name === ns);
  const delta = {
    ...after,
    namespaces: newNs,
    bridges: [],
    links: after.links.filter((l) => touches(l.a.ns) || touches(l.b.ns)),
    vxlans: [],
    routes: after.routes.filter((r) => touches(r.ns)),
  };
  await createNamespaces(delta, ctx.journal);
  await createLinks(delta);
  for (const a of renderGobgp(grown).filter((x) => x.path.startsWith(`gobgp/${node.name}/`))) {
    mkdirSync(`${ctx.paths.rendered}/gobgp/${node.name}`, { recursive: true });
    writeFileSync(`${ctx.paths.rendered}/${a.path}`, a.content);
  }
  mkdirSync(ctx.paths.nodeDir(node.name), { recursive: true });
  const grownCtx = { ...ctx, lab: grown, plan: after };
  await startSpeakers(grownCtx, node);
  await startKubelets(grownCtx, [node]);
  return grown;
}

/** Deletes every link but lo in `ns` (a veth's peer goes with it). */
async function deleteLinks(ns: string): Promise<void> {
  const r = await run(["ip", "-n", ns, "-j", "link", "show"], { allowFailure: true });
  const links = JSON.parse(r.stdout.trim() || "[]") as { ifname: string }[];
  for (const l of links.filter((x) => x.ifname !== "lo"))
    await run(["ip", "-n", ns, "link", "del", l.ifname], { allowFailure: true });
}
