// `make bench`: brings the lab up and down N times and prints median/min/max of the times to
// infrastructure ready, to converged and to down, and the peak memory of all lab processes; on
// the last run, what the ZeroTier relay costs (one TCP stream across the sites, the round trip it
// adds at 1000 packets/s). Writes the figures as JSON. A benchmark prints figures; it asserts nothing.
import { mkdirSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { parseProtocols, showProtocolsCommand } from "../lab/bird/protocols.ts";
import { benchRelay, PING_RATE, type RelayBench, STREAM_SECONDS } from "../lab/observe/relay-bench.ts";
import { runtimeKind } from "../lab/runtime/registry.ts";
import { labsRoot } from "../lab/runtime/workdir.ts";
import { loadLab } from "../lab/topology/load.ts";
import { table } from "../lab/util/table.ts";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: process.env.BENCH_RUNS ?? "3" },
    name: { type: "string", default: "bench" },
    runtime: { type: "string", default: "netns" },
  },
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1)
  throw new Error(`--runs must be a positive integer, got ${values.runs}`);

const lab = { ...(await loadLab()), name: values.name as string };
const handle = (await runtimeKind(values.runtime)).open(lab);
const memoryMiB = async () => (handle.memoryMiB ? handle.memoryMiB() : 0);

interface Sample {
  infraReadyMs: number;
  convergedMs: number;
  downMs: number;
  peakMemMiB: number;
  lastSession: string;
}

/** The session that established last decides convergence: name it with the timer behind it. */
async function lastSession(startedAt: number): Promise<string> {
  let last = { at: 0, what: "" };
  for (const r of lab.routers) {
    const text = await handle.bird(r.name, showProtocolsCommand());
    for (const p of parseProtocols(text).filter((x) => x.proto === "BGP")) {
      const at = new Date(p.since.replace(" ", "T")).getTime() - startedAt;
      if (at > last.at) last = { at, what: `${r.name}/${p.name}` };
    }
  }
  const isRouterPair = lab.routers.some((r) => last.what.endsWith(`/${r.name.replace(/-/g, "_")}`));
  const timer = isRouterPair
    ? "BIRD connect delay (5 s) on both routers"
    : "gobgpd 3.10 first dial 5-10 s after start";
  return `${last.what} at +${(last.at / 1000).toFixed(1)} s (${timer})`;
}

const samples: Sample[] = [];
let relay: RelayBench | null = null;
await handle.down();
for (let i = 1; i <= runs; i++) {
  process.stderr.write(`run ${i}/${runs}: up...`);
  let peak = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, await memoryMiB());
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  const startedAt = Date.now();
  const up = await handle.up({ budgetMs: 90_000 });
  // Keep sampling a little after convergence: daemons grow while routes settle.
  await new Promise((r) => setTimeout(r, 1500));
  sampling = false;
  await sampler;
  const last = await lastSession(startedAt);
  if (i === runs) {
    process.stderr.write(" relay...");
    // A failed measurement must not leave the lab up: it becomes a note, and down follows.
    relay = await benchRelay(handle).catch((err: Error) => ({
      stream: null,
      tcpMbps: null,
      tcpRetransmits: null,
      pingZt: null,
      pingPlain: null,
      relayAddedMsPerDirection: null,
      notes: [`relay bench failed: ${err.message}`],
    }));
  }
  process.stderr.write(` converged in ${((up.timings?.convergedMs ?? 0) / 1000).toFixed(1)} s; down...`);
  const t0 = performance.now();
  await handle.down();
  const downMs = performance.now() - t0;
  process.stderr.write(` ${(downMs / 1000).toFixed(2)} s\n`);
  samples.push({
    infraReadyMs: up.timings?.infraReadyMs ?? 0,
    convergedMs: up.timings?.convergedMs ?? 0,
    downMs,
    peakMemMiB: peak,
    lastSession: last,
  });
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
  return { median, min: s[0] as number, max: s[s.length - 1] as number };
};
const metrics = [
  { key: "infraReadyMs", label: "infrastructure ready", unit: "s", target: 2, scale: 1000 },
  { key: "convergedMs", label: "converged", unit: "s", target: 15, scale: 1000 },
  { key: "downMs", label: "down", unit: "s", target: 2, scale: 1000 },
  { key: "peakMemMiB", label: "peak memory (all lab processes)", unit: "MiB", target: 300, scale: 1 },
] as const;
const result = Object.fromEntries(metrics.map((m) => [m.key, stats(samples.map((s) => s[m.key]))]));
const fmt = (v: number, scale: number) => (scale === 1 ? v.toFixed(0) : (v / scale).toFixed(2));
console.log(
  `\n${runs} up/down cycles of lab "${lab.name}" (${lab.routers.length} routers, ${lab.nodes.length} nodes)\n`,
);
console.log(
  table(
    ["metric", "median", "min", "max", "target"],
    metrics.map((m) => {
      const s = result[m.key] as ReturnType<typeof stats>;
      return [
        m.label,
        `${fmt(s.median, m.scale)} ${m.unit}`,
        fmt(s.min, m.scale),
        fmt(s.max, m.scale),
        `<= ${m.target} ${m.unit}`,
      ];
    }),
  ),
);
console.log(
  `\nlast session to establish (what bounds convergence): ${samples.map((s) => s.lastSession).join("; ")}`,
);
if (relay) {
  const f = (v: number | null | undefined, digits: number) => (v == null ? "-" : v.toFixed(digits));
  console.log(`\nZeroTier relay, internet path set to no delay, jitter or loss while measuring:`);
  console.log(
    table(
      ["metric", "value", "target"],
      [
        [
          `one TCP stream ${relay.stream ? `${relay.stream.from} -> ${relay.stream.to}` : ""} (${STREAM_SECONDS} s)`,
          `${f(relay.tcpMbps, 0)} Mbit/s (${relay.tcpRetransmits ?? "-"} retransmits)`,
          ">= 500 Mbit/s",
        ],
        [
          `round trip over zt0 at ${PING_RATE}/s`,
          `median ${f(relay.pingZt?.medianMs, 3)} ms (avg ${f(relay.pingZt?.avgMs, 3)}, max ${f(relay.pingZt?.maxMs, 3)})`,
          "",
        ],
        [
          `same routers over the plain underlay`,
          `median ${f(relay.pingPlain?.medianMs, 3)} ms (avg ${f(relay.pingPlain?.avgMs, 3)}, max ${f(relay.pingPlain?.maxMs, 3)})`,
          "",
        ],
        ["added by the relay, per direction", `${f(relay.relayAddedMsPerDirection, 3)} ms`, "<= 0.3 ms"],
      ],
    ),
  );
  for (const n of relay.notes) console.log(`note: ${n}`);
}
const out = `${labsRoot()}/bench/bench-${handle.kind.name}.json`;
mkdirSync(`${labsRoot()}/bench`, { recursive: true });
writeFileSync(
  out,
  JSON.stringify(
    { runs, lab: lab.name, at: new Date().toISOString(), metrics: result, samples, relay },
    null,
    2,
  ),
);
console.log(`figures written to ${out}`);
