// A self-contained SVG timeline of one scenario run, for a person to open in a browser: faults,
// steps, BGP sessions, routes, ZeroTier paths and probe loss as lanes on one time axis, laid out top to bottom.
// No scripts, no external references, tooltips through <title>, no generated ids: the same
// result always renders to the same bytes.
import type { ScenarioResult } from "../../scenario/types.ts";
import { formatNumber, formatSeconds, formatVersions, oneLine, STATUS_TEXT } from "./format.ts";
import { clip, line, rect, secs, text, title } from "./svg-elements.ts";
import { buildTimeline, type LaneState, type StateLane, type Timeline } from "./timeline.ts";

const WIDTH = 1200;
const LABEL_X = 12;
const PLOT_X0 = 270;
const PLOT_X1 = 1170;
const STATE_ROW = 20;
const PROBE_ROW = 42;
const FAULT_ROW = 14;
const MAX_FAULT_ROWS = 4;

const COLOR = {
  up: "#2e9d4f",
  down: "#d64541",
  relayed: "#8e6fd1",
  unknown: "#c4c4c4",
  fault: "#e67e22",
  grid: "#e4e4e4",
  text: "#222222",
  muted: "#666666",
  band: "#f5f5f5",
  stepPass: "#b9e0c3",
  stepFail: "#f4b6b0",
  stepSkipped: "#e6e6e6",
} as const;

type LaneKind = "session" | "route" | "path";

const STATE_WORD: Record<LaneKind, Record<LaneState, string>> = {
  session: { up: "up", down: "down", relayed: "relayed", unknown: "unknown" },
  route: { up: "present", down: "absent", relayed: "relayed", unknown: "unknown" },
  path: { up: "DIRECT", down: "none", relayed: "RELAY (through a root)", unknown: "unknown" },
};

const OUTAGE = { fill: COLOR.down, fillOpacity: 0.12, stroke: COLOR.down, dash: "3 2" };
const FAULT_LINE = { stroke: COLOR.fault, strokeWidth: 1.5, dash: "5 3" };

/** The drawing so far: `y` is where the next lane goes; layers are painted in this order. */
interface Sheet {
  x: (s: number) => number;
  y: number;
  lanes: number;
  /** Lane backgrounds and labels. */
  bands: string[];
  /** Session, route, step and probe shapes. */
  body: string[];
  /** Fault lines, axis and fault labels: over everything. */
  top: string[];
}

export function timelineSvg(result: ScenarioResult): string {
  const tl = buildTimeline(result);
  // The versions that produced the run get a line under the facts; an error goes below them.
  const versions = formatVersions(result.versions);
  const errorY = versions ? 76 : 62;
  const lanesTop = result.error ? errorY + 38 : 84;
  const sheet: Sheet = {
    x: (s) => PLOT_X0 + (s / tl.duration) * (PLOT_X1 - PLOT_X0),
    y: lanesTop,
    lanes: 0,
    bands: [],
    body: [],
    top: [],
  };
  drawFaultsAndSteps(sheet, tl);
  drawStateLanes(sheet, "BGP sessions (owner/peer)", tl.sessions, "session");
  drawStateLanes(sheet, "routes (router prefix)", tl.routes, "route");
  drawStateLanes(sheet, "ZeroTier path (from->to)", tl.ztPaths, "path");
  drawProbes(sheet, tl);
  const lanesBottom = sheet.y;
  const grid = drawAxis(sheet, tl, lanesTop, lanesBottom);
  for (const f of tl.faults) {
    const x = sheet.x(f.at);
    sheet.top.unshift(
      line(x, lanesTop, x, lanesBottom, { ...FAULT_LINE, tip: `${secs(f.at)} s: ${f.label}` }),
    );
  }

  const legendY = lanesBottom + 34;
  const height = legendY + 24;
  const heading = `${result.scenario} (${result.variant}) ${STATUS_TEXT[result.status]}: ${result.title}`;
  const facts = `${result.file} · prepared: ${result.preparation} · started ${new Date(result.startedAt).toISOString()} · ${formatSeconds(result.endedAt - result.startedAt)}`;
  const subtitle = versions ? [text(LABEL_X, 60, clip(versions, 190), { size: 10, color: COLOR.muted })] : [];
  const error = result.error
    ? [text(LABEL_X, errorY, clip(`error: ${result.error}`, 170), { size: 11, color: COLOR.down })]
    : [];
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="DejaVu Sans, Verdana, Arial, sans-serif">`,
    title(heading),
    rect(0, 0, WIDTH, height, { fill: "#ffffff" }),
    text(LABEL_X, 26, clip(heading, 130), { size: 16, weight: "bold", color: statusColor(result.status) }),
    text(LABEL_X, 46, clip(facts, 170), { size: 11, color: COLOR.muted }),
    ...subtitle,
    ...error,
    ...sheet.bands,
    ...grid,
    ...sheet.body,
    ...sheet.top,
    ...legend(legendY, tl.ztPaths.length > 0),
    `</svg>`,
    "",
  ].join("\n");
}

function section(sheet: Sheet, heading: string): void {
  sheet.bands.push(text(LABEL_X, sheet.y + 15, heading, { size: 11, weight: "bold", color: COLOR.muted }));
  sheet.y += 20;
}

/** A lane's background (every other lane shaded) and its label, with an optional second line. */
function lane(sheet: Sheet, height: number, label: string, sub?: string): void {
  if (sheet.lanes++ % 2 === 0) sheet.bands.push(rect(0, sheet.y, WIDTH, height, { fill: COLOR.band }));
  const mid = sheet.y + height / 2;
  sheet.bands.push(laneLabel(label, sub ? mid - 2 : mid + 4, 12, COLOR.text));
  if (sub) sheet.bands.push(laneLabel(sub, mid + 12, 10, COLOR.muted));
}

function laneLabel(label: string, y: number, size: number, color: string): string {
  // Average glyph width is about 0.6 em in the sans-serif fonts viewers pick.
  const shown = clip(label, Math.floor((PLOT_X0 - LABEL_X - 8) / (size * 0.6)));
  // A clipped label keeps the full name as a tooltip.
  return text(LABEL_X, y, shown, { size, color, ...(shown === oneLine(label) ? {} : { tip: label }) });
}

function drawFaultsAndSteps(sheet: Sheet, tl: Timeline): void {
  section(sheet, "faults and steps");
  const placed = placeFaultLabels(tl, sheet.x);
  const height = Math.max(1, ...placed.map((p) => p.row + 1)) * FAULT_ROW + 6;
  const unlabelled = tl.faults.length - placed.length;
  lane(sheet, height, "faults", unlabelled ? `${unlabelled} more: hover the lines` : undefined);
  for (const p of placed) {
    const style = { size: 11, color: COLOR.fault, anchor: p.anchor, halo: true };
    sheet.top.push(text(p.x, sheet.y + 14 + p.row * FAULT_ROW, p.label, style));
  }
  sheet.y += height;

  lane(sheet, STATE_ROW, "steps");
  for (const s of tl.steps) {
    const fill =
      s.status === "pass" ? COLOR.stepPass : s.status === "fail" ? COLOR.stepFail : COLOR.stepSkipped;
    const x = sheet.x(s.from);
    const w = Math.max(1.5, sheet.x(s.to) - x);
    const tip = `step ${s.index} ${s.kind} ${s.status}: ${s.summary} (${secs(s.from)}–${secs(s.to)} s)`;
    sheet.body.push(
      rect(x, sheet.y + 3, w, STATE_ROW - 6, { fill, stroke: "#888888", strokeWidth: 0.5, tip }),
    );
    if (w >= 24) sheet.body.push(text(x + 3, sheet.y + 14, `#${s.index}`, { size: 10, color: COLOR.text }));
  }
  sheet.y += STATE_ROW;
}

interface PlacedLabel {
  x: number;
  row: number;
  label: string;
  anchor: "start" | "end";
}

/**
 * Greedy rows: a label goes right of its line (left near the end) in the first row where it does
 * not overprint another. Labels that fit nowhere are left out (their line keeps its tooltip).
 */
function placeFaultLabels(tl: Timeline, x: (s: number) => number): PlacedLabel[] {
  const rowEnds: number[] = [];
  return tl.faults.flatMap((f) => {
    const label = clip(f.label, 40);
    const width = label.length * 6.2 + 4;
    const toRight = x(f.at) + 3 + width <= PLOT_X1;
    const left = toRight ? x(f.at) + 3 : x(f.at) - 3 - width;
    let row = rowEnds.findIndex((end) => end + 6 <= left);
    if (row < 0 && rowEnds.length < MAX_FAULT_ROWS) row = rowEnds.length;
    if (row < 0) return [];
    rowEnds[row] = left + width;
    return [
      { x: toRight ? x(f.at) + 3 : x(f.at) - 3, row, label, anchor: toRight ? "start" : "end" } as const,
    ];
  });
}

function drawStateLanes(sheet: Sheet, heading: string, lanes: StateLane[], kind: LaneKind): void {
  if (lanes.length === 0) return;
  section(sheet, heading);
  for (const l of lanes) {
    lane(sheet, STATE_ROW, l.label);
    for (const s of l.spans) {
      const x = sheet.x(s.from);
      const tip = `${l.label}: ${STATE_WORD[kind][s.state]} ${secs(s.from)}–${secs(s.to)} s${s.note ? ` (${s.note})` : ""}`;
      sheet.body.push(
        rect(x, sheet.y + 4, Math.max(1, sheet.x(s.to) - x), STATE_ROW - 8, { fill: COLOR[s.state], tip }),
      );
    }
    sheet.y += STATE_ROW;
  }
}

function drawProbes(sheet: Sheet, tl: Timeline): void {
  if (tl.probes.length === 0) return;
  section(sheet, `probes: packets lost per ${formatNumber(tl.bucket)} s (bar height = share lost)`);
  for (const p of tl.probes) {
    const s = p.stream;
    lane(
      sheet,
      PROBE_ROW,
      `${s.name} (${s.toAddress}, ${formatNumber(1000 / s.intervalMs)} pps)`,
      `${s.from} → ${s.to}`,
    );
    const y = sheet.y;
    for (const o of p.outages) {
      const x = sheet.x(o.from);
      const w = Math.max(1, sheet.x(o.to) - x);
      const label = `outage ${formatNumber(o.to - o.from)} s, ${formatNumber(o.lost)} lost`;
      const tip = `${s.name}: ${label} (${secs(o.from)}–${secs(o.to)} s)`;
      sheet.body.push(rect(x, y + 2, w, PROBE_ROW - 4, { ...OUTAGE, tip }));
      if (w > label.length * 5.6 + 6)
        sheet.body.push(text(x + 3, y + 12, label, { size: 10, color: COLOR.down }));
    }
    for (const b of p.bars) {
      const share = b.lost / b.sent;
      // Full loss stops below the outage label at the top of the lane.
      const h = share === 0 ? 3 : Math.max(2, share * (PROBE_ROW - 20));
      const x = sheet.x(b.from);
      const style = {
        fill: share === 0 ? COLOR.up : COLOR.down,
        tip: `${s.name}: ${secs(b.from)}–${secs(b.to)} s, ${b.lost}/${b.sent} lost`,
      };
      sheet.body.push(rect(x, y + PROBE_ROW - 4 - h, Math.max(0.5, sheet.x(b.to) - x), h, style));
    }
    sheet.y += PROBE_ROW;
  }
}

/** Tick labels above and below the lanes (on top), grid lines returned to be painted under the data. */
function drawAxis(sheet: Sheet, tl: Timeline, top: number, bottom: number): string[] {
  const grid: string[] = [];
  for (const t of axisTicks(tl.duration)) {
    const x = sheet.x(t);
    const style = { size: 10, color: COLOR.muted, anchor: "middle" } as const;
    grid.push(line(x, top - 6, x, bottom, { stroke: COLOR.grid, strokeWidth: 1 }));
    sheet.top.push(
      text(x, top - 10, `${formatNumber(t)} s`, style),
      text(x, bottom + 14, `${formatNumber(t)} s`, style),
    );
  }
  sheet.top.push(
    line(PLOT_X0, top - 6, PLOT_X1, top - 6, { stroke: COLOR.muted, strokeWidth: 1 }),
    line(PLOT_X0, bottom, PLOT_X1, bottom, { stroke: COLOR.muted, strokeWidth: 1 }),
  );
  return grid;
}

const TICK_STEPS = [0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600];

/** About 8-15 ticks, at round numbers of seconds. */
export function axisTicks(duration: number): number[] {
  const step = TICK_STEPS.find((s) => duration / s <= 15) ?? 3600;
  const ticks: number[] = [];
  for (let i = 0; i * step <= duration + 1e-9; i++) ticks.push(Math.round(i * step * 10) / 10);
  return ticks;
}

function legend(y: number, paths: boolean): string[] {
  const items: [string, string, string][] = [
    ["swatch", COLOR.up, `session up / route present${paths ? " / direct path" : ""} / probes answered`],
    ["swatch", COLOR.down, "session down / route absent / probes lost"],
    ...(paths ? [["swatch", COLOR.relayed, "relayed through a root"] as [string, string, string]] : []),
    ["swatch", COLOR.unknown, "unknown (no event yet)"],
    ["swatch", COLOR.stepFail, "failed step"],
    ["outage", "", "outage"],
    ["fault", "", "fault"],
  ];
  const out: string[] = [];
  let x = LABEL_X;
  for (const [kind, color, label] of items) {
    if (kind === "swatch") out.push(rect(x, y - 10, 14, 12, { fill: color }));
    if (kind === "outage") out.push(rect(x, y - 10, 14, 12, OUTAGE));
    if (kind === "fault") out.push(line(x + 7, y - 12, x + 7, y + 3, FAULT_LINE));
    out.push(text(x + 19, y, label, { size: 11, color: COLOR.text }));
    x += 19 + label.length * 6.2 + 18;
  }
  return out;
}

function statusColor(status: ScenarioResult["status"]): string {
  return status === "pass" ? COLOR.up : status === "fail" || status === "error" ? COLOR.down : COLOR.fault;
}
