// Generated scale topologies load through the same passes as the seed, with bird -p on each
// router's config: what `make bench-scale` brings up is a valid lab.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import test from "ava";
import { checkBirdConfig } from "../../../lab/bird/check.ts";
import { scaleTopology } from "../../../lab/topology/generate.ts";
import { loadLab } from "../../../lab/topology/load.ts";

async function load(t: { teardown: (f: () => void) => void }, nodes: number, sites: number) {
  const dir = mkdtempSync(join(tmpdir(), "scale-topology-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const f of scaleTopology({ name: "sc", nodes, sites })) {
    mkdirSync(dirname(join(dir, f.path)), { recursive: true });
    writeFileSync(join(dir, f.path), f.content);
  }
  return loadLab(join(dir, "topology.yaml"), { birdCheck: birdSyntax });
}

async function birdSyntax(file: string) {
  const r = await checkBirdConfig(file);
  return r.ok
    ? { ok: true as const }
    : { ok: false as const, where: { file: r.file, line: r.line ?? 1, col: r.col ?? 1 }, message: r.message };
}

test("100 nodes over two sites: each node peers with its own site's router", async (t) => {
  const lab = await load(t, 100, 2);
  t.is(lab.nodes.length, 100);
  t.deepEqual(
    lab.sites.map((s) => lab.nodes.filter((n) => n.site === s.name).length),
    [50, 50],
  );
  for (const n of lab.nodes) {
    const router = lab.routers.find((r) => r.site === n.site);
    const peers = n.bgp?.instances.flatMap((i) => i.peers.map((p) => p.peerAddress));
    t.deepEqual(peers, [router?.lanAddress], n.name);
  }
  t.is(lab.nodes.filter((n) => n.role === "control-plane").length, 1);
});

test("250 nodes over two sites and 8 sites with one node each load", async (t) => {
  t.is((await load(t, 250, 2)).nodes.length, 250);
  const eight = await load(t, 8, 8);
  t.is(eight.routers.length, 8);
  t.deepEqual(
    eight.sites.map((s) => eight.nodes.filter((n) => n.site === s.name).length),
    Array(8).fill(1),
  );
});

test("sizes outside what the address plan holds are refused", (t) => {
  t.throws(() => scaleTopology({ name: "sc", nodes: 257, sites: 2 }), { message: /nodes must be 1\.\.256/ });
  t.throws(() => scaleTopology({ name: "sc", nodes: 2, sites: 0 }), { message: /sites must be/ });
});
