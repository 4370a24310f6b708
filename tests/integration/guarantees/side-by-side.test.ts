// Guarantee "safe side by side": two labs of the same topology under different names, brought up
// concurrently, both converge with distinct namespaces, daemons, sockets and work dirs; a second
// `up` of the same name meanwhile is refused without touching it; removing one lab leaves the
// other converged, and `up` of the survivor reports it as already up.
import { readlinkSync, statSync } from "node:fs";
import test from "ava";
import { readConvergence } from "../../../lab/observe/convergence.ts";
import { netnsDown } from "../../../lab/runtime/netns/down.ts";
import { netnsKind } from "../../../lab/runtime/netns/kind.ts";
import { nsName, planNetns } from "../../../lab/runtime/netns/plan.ts";
import { workPaths } from "../../../lab/runtime/workdir.ts";
import { loadLab } from "../../../lab/topology/load.ts";
import type { Lab } from "../../../lab/topology/model.ts";
import { run } from "../../../lab/util/exec.ts";
import { CLEAN, journaledProcesses, labNamespaces, residue, runCli } from "../../helpers/host-snapshot.ts";
import { integrationTests, netnsUnavailable } from "../../helpers/root.ts";

const why = netnsUnavailable();
const t = integrationTests("guarantees-side-by-side", why);

const NAMES = ["g1", "g2"] as const;
const labs = new Map<string, Lab>();
const down = (name: string) =>
  netnsDown(
    workPaths(name),
    planNetns(labs.get(name) as Lab).namespaces.map((n) => n.name),
  );

test.before(async () => {
  if (why) return;
  const base = await loadLab();
  for (const name of NAMES) labs.set(name, { ...base, name });
  for (const name of NAMES) await down(name);
});

test.after.always(async () => {
  if (why || labs.size === 0) return;
  for (const name of NAMES) await down(name);
});

/** "net:[4026532...]" of a namespace file and of a process. */
const nsOfFile = (ns: string) => `net:[${statSync(`/run/netns/${ns}`).ino}]`;
const nsOfPid = (pid: number) => {
  try {
    return readlinkSync(`/proc/${pid}/ns/net`);
  } catch {
    return "(gone)";
  }
};

/** Unix sockets listening inside a namespace: path -> pids (from `ss -xlp`). */
async function unixListeners(ns: string): Promise<Map<string, number[]>> {
  const out = (await run(["ss", "-Hxlpn"], { netns: ns })).stdout;
  const map = new Map<string, number[]>();
  for (const line of out.split("\n")) {
    const path = line.split(/\s+/).find((w) => w.startsWith("/"));
    if (!path) continue;
    map.set(
      path,
      [...line.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1])),
    );
  }
  return map;
}

/** TCP listeners inside a namespace: "addr:port" -> pids. */
async function tcpListeners(ns: string): Promise<Map<string, number[]>> {
  const out = (await run(["ss", "-Hltnp"], { netns: ns })).stdout;
  const map = new Map<string, number[]>();
  for (const line of out.split("\n")) {
    const local = line.split(/\s+/)[3];
    if (local)
      map.set(
        local,
        [...line.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1])),
      );
  }
  return map;
}

t("two labs up at the same time converge, stay apart, and survive each other's down", async (tt) => {
  const g1 = labs.get("g1") as Lab;
  const g2 = labs.get("g2") as Lab;
  const t0 = performance.now();
  const ups = Promise.all(
    NAMES.map(async (name) => {
      const r = await netnsKind.open(labs.get(name) as Lab).up({ budgetMs: 90_000 });
      return { name, r, ms: performance.now() - t0 };
    }),
  );
  // Meanwhile a second `up` of g1 from another process (the CLI) must refuse to touch it rather
  // than take the half-built lab for leftovers and remove it.
  const rival = runCli(["up", "--name", "g1", "--budget", "30s"]);
  const rivalExit = await rival.exited;
  const rivalMs = performance.now() - t0;
  const results = await ups;
  tt.log(
    `a concurrent CLI up of g1: exit ${rivalExit.code} after ${(rivalMs / 1000).toFixed(2)} s: ${rival.stderr().trim().split("\n").slice(-2).join(" | ")}`,
  );
  tt.is(rivalExit.code, 1);
  tt.true(
    rival.stderr().includes(`lab g1 is being brought up by another process (pid ${process.pid})`),
    rival.stderr(),
  );
  tt.notRegex(rival.stderr(), /leftovers|rolling back|delete namespaces/);
  tt.true(rivalMs < (results[0]?.ms ?? 0), "the rival ran while g1 was still coming up");
  for (const { name, r, ms } of results) {
    tt.false(r.alreadyUp, name);
    tt.log(
      `${name}: up (concurrently) in ${(ms / 1000).toFixed(2)} s, converged after ${((r.timings?.convergedMs ?? 0) / 1000).toFixed(2)} s`,
    );
  }

  // Namespaces: each lab has its whole plan under its own prefix, none shared.
  const ns1 = await labNamespaces("g1");
  const ns2 = await labNamespaces("g2");
  tt.is(ns1.length, planNetns(g1).namespaces.length);
  tt.is(ns2.length, planNetns(g2).namespaces.length);
  tt.deepEqual(
    ns1.filter((n) => ns2.includes(n)),
    [],
  );

  // Work dirs and their sockets are distinct.
  const p1 = workPaths("g1");
  const p2 = workPaths("g2");
  tt.not(p1.root, p2.root);
  for (const r of g1.routers) tt.not(p1.birdSocket(r.name), p2.birdSocket(r.name));
  tt.not(p1.relaySocket, p2.relaySocket);

  // Every journaled daemon runs in its own lab's namespace; no pid appears in both journals.
  const procs1 = journaledProcesses("g1");
  const procs2 = journaledProcesses("g2");
  tt.deepEqual(
    procs1.map((p) => p.pid).filter((pid) => procs2.some((q) => q.pid === pid)),
    [],
  );
  for (const [name, procs] of [
    ["g1", procs1],
    ["g2", procs2],
  ] as const) {
    for (const p of procs) {
      tt.true(p.ns.startsWith(`${name}-`), `${name}: ${p.name} journaled in ${p.ns}`);
      tt.is(nsOfPid(p.pid), nsOfFile(p.ns), `${name}: ${p.name} (pid ${p.pid}) runs in ${p.ns}`);
    }
  }

  // Each router namespace listens on its own lab's BIRD socket, held by its own lab's BIRD.
  for (const [name, lab, procs, paths, other] of [
    ["g1", g1, procs1, p1, p2],
    ["g2", g2, procs2, p2, p1],
  ] as const) {
    for (const r of lab.routers) {
      const bird = procs.find((p) => p.name === `bird:${r.name}`);
      const sockets = await unixListeners(nsName(name, r.name));
      tt.deepEqual(sockets.get(paths.birdSocket(r.name)), [bird?.pid], `${name} ${r.name} BIRD socket owner`);
      tt.false(
        sockets.has(other.birdSocket(r.name)),
        `${name} ${r.name} does not see the other lab's socket`,
      );
    }
    // The gobgpd API port is the same number in both labs, but each node's listener is its own.
    for (const n of lab.nodes) {
      const speaker = procs.find((p) => p.name.startsWith(`gobgpd:${n.name}:`));
      const tcp = await tcpListeners(nsName(name, n.name));
      tt.deepEqual(tcp.get("127.0.0.1:50051"), [speaker?.pid], `${name} ${n.name} gobgpd API owner`);
    }
  }

  // Removing g1 leaves nothing of g1 and g2 converged.
  const t1 = performance.now();
  await down("g1");
  tt.log(`g1: down in ${((performance.now() - t1) / 1000).toFixed(2)} s`);
  tt.deepEqual(await residue("g1", procs1), CLEAN);
  const state = await readConvergence(netnsKind.open(g2));
  tt.deepEqual(
    state.filter((c) => !c.ok).map((c) => `${c.name}: ${c.problems.join("; ")}`),
    [],
    "g2 still converged",
  );
  tt.is(state.length, 4);
  for (const p of procs2) tt.is(nsOfPid(p.pid), nsOfFile(p.ns), `g2 ${p.name} still running`);
  tt.is((await labNamespaces("g2")).length, planNetns(g2).namespaces.length);

  // `up` of g2 again: nothing to do.
  const again = await netnsKind.open(g2).up({ budgetMs: 30_000 });
  tt.true(again.alreadyUp);

  await down("g2");
  tt.deepEqual(await residue("g2", procs2), CLEAN);
});
