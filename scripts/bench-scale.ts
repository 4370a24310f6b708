// `make bench-scale`: the scaling curve. For each size it generates a topology (N nodes over two
// sites, or S sites with one node each, full mesh; lab/topology/generate.ts) with its BIRD
// configs under .lab/bench/scale/, brings it up and down once, and prints and writes (JSON) the
// time to infrastructure, to converged, to down, the peak memory of all lab processes and how
// long `status` takes (and whether it read every router and speaker). Figures, no assertions;
// an SVG plot of them (lab/report/scale/svg.ts) is written next to the JSON.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { gobgpdVersion, gobgpTools } from "../lab/gobgp/binary.ts";
import { collectStatus } from "../lab/observe/status.ts";
import type { ScaleResult } from "../lab/report/scale/model.ts";
import { scalePlotSvg } from "../lab/report/scale/svg.ts";
import { runtimeKind } from "../lab/runtime/registry.ts";
import { labsRoot } from "../lab/runtime/workdir.ts";
import { scaleTopology } from "../lab/topology/generate.ts";
import { loadLab } from "../lab/topology/load.ts";
import { listNetns } from "../lab/util/netns.ts";
import { table } from "../lab/util/table.ts";

const { values } = parseArgs({
  options: {
    nodes: { type: "string", default: process.env.SCALE_NODES ?? "3,25,50,100,250" },
    sites: { type: "string", default: process.env.SCALE_SITES ?? "2,4,8" },
    name: { type: "string", default: "bscale" },
  },
});
const list = (text: string) =>
  text
    .split(",")
    .filter(Boolean)
    .map((x) => {
      const n = Number(x);
      if (!Number.isInteger(n) || n < 1) throw new Error(`not a positive integer: "${x}"`);
      return n;
    });
const cases = [
  ...list(values.nodes as string).map((nodes) => ({ nodes, sites: 2 })),
  ...list(values.sites as string).map((sites) => ({ nodes: sites, sites })),
];
const base = values.name as string;
if (!/^[a-z][a-z0-9]{0,4}$/.test(base))
  throw new Error(
    `--name must be a lab name of at most 5 characters (a case number is appended), got "${base}"`,
  );

type Result = ScaleResult;

const kind = await runtimeKind("netns");
const results: Result[] = [];
for (const [i, c] of cases.entries()) {
  const name = `${base}${i}`;
  const dir = `${labsRoot()}/bench/scale/n${c.nodes}-s${c.sites}`;
  for (const f of scaleTopology({ name, ...c })) {
    mkdirSync(dirname(`${dir}/${f.path}`), { recursive: true });
    writeFileSync(`${dir}/${f.path}`, f.content);
  }
  const lab = await loadLab(`${dir}/topology.yaml`);
  const h = kind.open(lab);
  await h.down();
  process.stderr.write(`${c.nodes} nodes, ${c.sites} sites (${dir}): up...`);
  let peak = 0;
  let peakPss = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, h.memoryMiB ? await h.memoryMiB() : 0);
      peakPss = Math.max(peakPss, h.memoryPssMiB ? await h.memoryPssMiB() : 0);
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  const r: Result = {
    ...c,
    infraReadyMs: 0,
    daemonsReadyMs: 0,
    convergedMs: 0,
    downMs: 0,
    peakMemMiB: 0,
    statusMs: 0,
    statusComplete: false,
    leftNamespaces: 0,
  };
  try {
    const up = await h.up({ budgetMs: 90_000 + 500 * c.nodes });
    r.infraReadyMs = up.timings?.infraReadyMs ?? 0;
    r.daemonsReadyMs = up.timings?.daemonsReadyMs ?? 0;
    r.convergedMs = up.timings?.convergedMs ?? 0;
    process.stderr.write(` converged in ${(r.convergedMs / 1000).toFixed(1)} s; status...`);
    const t0 = performance.now();
    const status = await collectStatus(h);
    r.statusMs = performance.now() - t0;
    r.statusComplete =
      status.data.routers.every((x) => x.reachable) &&
      status.data.nodes.every((x) => x.reachable) &&
      status.data.routes.every((x) => x.routes.length > 0);
    process.stderr.write(` ${(r.statusMs / 1000).toFixed(2)} s;`);
  } catch (err) {
    r.error = (err as Error).message.split("\n")[0];
    process.stderr.write(` failed: ${r.error};`);
  } finally {
    sampling = false;
    await sampler;
    r.peakMemMiB = peak;
    r.peakPssMiB = peakPss;
    process.stderr.write(" down...");
    const t1 = performance.now();
    await h.down();
    r.downMs = performance.now() - t1;
    r.leftNamespaces = (await listNetns()).filter((n) => n.startsWith(`${name}-`)).length;
    process.stderr.write(` ${(r.downMs / 1000).toFixed(2)} s\n`);
  }
  results.push(r);
}

const s = (ms: number) => (ms / 1000).toFixed(1);
console.log(
  `\n${table(
    [
      "nodes",
      "sites",
      "infra",
      "daemons",
      "converged",
      "down",
      "peak MiB",
      "MiB/node over 3",
      "peak PSS MiB",
      "status",
      "left",
    ],
    results.map((r) => {
      const seed = results.find((x) => x.nodes === 3 && x.sites === 2)?.peakMemMiB;
      return [
        String(r.nodes),
        String(r.sites),
        `${s(r.infraReadyMs)} s`,
        `${s(r.daemonsReadyMs)} s`,
        r.error ? `failed: ${r.error}` : `${s(r.convergedMs)} s`,
        `${s(r.downMs)} s`,
        r.peakMemMiB.toFixed(0),
        // Per node only along the two-site curve: more sites add routers too.
        seed !== undefined && r.sites === 2 && r.nodes > 3
          ? ((r.peakMemMiB - seed) / (r.nodes - 3)).toFixed(1)
          : "-",
        (r.peakPssMiB ?? 0).toFixed(0),
        `${(r.statusMs / 1000).toFixed(2)} s${r.statusComplete ? "" : " (incomplete)"}`,
        String(r.leftNamespaces),
      ];
    }),
  )}`,
);
const at = new Date().toISOString();
const gobgpd = gobgpdVersion(gobgpTools().gobgpd) ?? "unknown";
const out = `${labsRoot()}/bench/scale.json`;
writeFileSync(out, JSON.stringify({ at, gobgpd, results }, null, 2));
const svg = `${labsRoot()}/bench/scale.svg`;
writeFileSync(
  svg,
  scalePlotSvg(results, `make bench-scale ${at.slice(0, 10)}, gobgpd ${gobgpd}, netns runtime`),
);
console.log(`figures written to ${out} and ${svg}`);
