// The scaling curve as one SVG: a row for the node sweep (two sites, x = nodes) and a row for
// the site sweep (one node a site, x = sites); in each, the times to infrastructure, to
// converged and to down, the peak memory, and the status latency. Pure: results in, text out,
// byte-stable (fixed number format, every text escaped), so it can be committed and diffed.
import { line, n, rect, text, title } from "../scenario/svg-elements.ts";
import type { ScaleResult } from "./model.ts";

interface Series {
  name: string;
  color: string;
  value: (r: ScaleResult) => number;
}

interface Panel {
  title: string;
  unit: string;
  series: Series[];
}

const PANELS: Panel[] = [
  {
    title: "time",
    unit: "s",
    series: [
      { name: "infrastructure", color: "#8a8a8a", value: (r) => r.infraReadyMs / 1000 },
      { name: "converged", color: "#1f6feb", value: (r) => r.convergedMs / 1000 },
      { name: "down", color: "#d1242f", value: (r) => r.downMs / 1000 },
    ],
  },
  {
    title: "peak memory",
    unit: "MiB",
    series: [
      { name: "all lab processes (RSS)", color: "#8250df", value: (r) => r.peakMemMiB },
      // Results without it (older runs) plot nothing rather than a zero.
      { name: "shared pages once (PSS)", color: "#bf8700", value: (r) => r.peakPssMiB ?? Number.NaN },
    ],
  },
  {
    title: "status",
    unit: "s",
    series: [{ name: "lab status", color: "#1a7f37", value: (r) => r.statusMs / 1000 }],
  },
];

const W = 260;
const H = 170;
const PAD = { left: 48, right: 12, top: 28, bottom: 34 };
const ROW_GAP = 36;
const LEGEND = 22;

/** Round axis maximum: 1, 2 or 5 times a power of ten at or above `v`. */
export function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

export function scalePlotSvg(results: readonly ScaleResult[], caption = ""): string {
  const rows = [
    {
      label: "nodes over two sites",
      x: (r: ScaleResult) => r.nodes,
      pick: results.filter((r) => r.sites === 2),
    },
    {
      label: "sites, one node each, full mesh",
      x: (r: ScaleResult) => r.sites,
      pick: results.filter((r) => r.nodes === r.sites),
    },
  ].filter((row) => row.pick.length > 0);
  const width = PANELS.length * W;
  const height = LEGEND + rows.length * (H + ROW_GAP) + (caption ? 18 : 0);
  const out: string[] = [];
  // Legend: every series once.
  let lx = 8;
  for (const s of PANELS.flatMap((p) => p.series)) {
    out.push(
      rect(lx, 8, 10, 10, { fill: s.color }),
      text(lx + 14, 17, s.name, { size: 11, color: "#24292f" }),
    );
    lx += 24 + s.name.length * 6.2;
  }
  rows.forEach((row, ri) => {
    const top = LEGEND + ri * (H + ROW_GAP);
    const ok = [...row.pick].filter((r) => !r.error).sort((a, b) => row.x(a) - row.x(b));
    const xs = ok.map(row.x);
    const xMax = niceMax(Math.max(1, ...xs));
    PANELS.forEach((p, pi) => {
      const left = pi * W;
      const px = (x: number) => left + PAD.left + (x / xMax) * (W - PAD.left - PAD.right);
      const yMax = niceMax(
        Math.max(0, ...ok.flatMap((r) => p.series.map((s) => s.value(r))).filter(Number.isFinite)),
      );
      const py = (y: number) => top + H - PAD.bottom - (y / yMax) * (H - PAD.top - PAD.bottom);
      out.push(
        text(left + PAD.left, top + 16, `${p.title} (${p.unit}) vs ${row.label}`, {
          size: 11,
          color: "#24292f",
          weight: "bold",
        }),
      );
      // Axes with 0, half and max ticks.
      out.push(line(px(0), py(0), px(xMax), py(0), { stroke: "#57606a" }));
      out.push(line(px(0), py(0), px(0), py(yMax), { stroke: "#57606a" }));
      for (const f of [0, 0.5, 1]) {
        const yv = yMax * f;
        out.push(line(px(0), py(yv), px(xMax), py(yv), { stroke: "#d0d7de", strokeWidth: 0.5 }));
        out.push(text(px(0) - 4, py(yv) + 4, label(yv), { size: 10, color: "#57606a", anchor: "end" }));
      }
      for (const x of xs)
        out.push(text(px(x), py(0) + 14, String(x), { size: 10, color: "#57606a", anchor: "middle" }));
      for (const s of p.series) {
        const has = ok.filter((r) => Number.isFinite(s.value(r)));
        const pts = has.map((r) => [px(row.x(r)), py(s.value(r))] as const);
        for (let i = 1; i < pts.length; i++) {
          const [a, b] = [pts[i - 1], pts[i]] as [readonly [number, number], readonly [number, number]];
          out.push(line(a[0], a[1], b[0], b[1], { stroke: s.color, strokeWidth: 1.5 }));
        }
        has.forEach((r, i) => {
          const [x, y] = pts[i] as readonly [number, number];
          out.push(
            rect(x - 2.5, y - 2.5, 5, 5, {
              fill: s.color,
              tip: `${s.name}: ${label(s.value(r))} ${p.unit} at ${r.nodes} nodes, ${r.sites} sites`,
            }),
          );
        });
      }
    });
    const failed = row.pick.filter((r) => r.error);
    if (failed.length)
      out.push(
        text(
          8,
          top + H + 6,
          `failed: ${failed.map((r) => `${r.nodes} nodes/${r.sites} sites (${r.error})`).join("; ")}`,
          {
            size: 10,
            color: "#d1242f",
          },
        ),
      );
  });
  if (caption) out.push(text(8, height - 6, caption, { size: 10, color: "#57606a" }));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${n(width)}" height="${n(height)}" viewBox="0 0 ${n(width)} ${n(height)}" font-family="sans-serif">`,
    // What screen readers announce for the whole picture (and what biome's a11y lint asks for).
    title(
      `make bench-scale: time, peak memory and status against the lab's size${caption ? ` (${caption})` : ""}`,
    ),
    rect(0, 0, width, height, { fill: "#ffffff" }),
    ...out,
    "</svg>",
    "",
  ].join("\n");
}

function label(v: number): string {
  return v >= 100
    ? v.toFixed(0)
    : v >= 10
      ? v.toFixed(1).replace(/\.0$/, "")
      : String(Math.round(v * 100) / 100);
}
