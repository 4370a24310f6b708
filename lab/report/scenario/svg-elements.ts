// SVG element strings for the timeline: every text goes through one escape, every coordinate
// through one fixed format (0.1 px, no "-0", no exponent), so output is safe and byte-stable.
import { oneLine } from "./format.ts";
import { escapeAttr, escapeXml } from "./xml.ts";

export function n(v: number): string {
  const r = Math.round(v * 10) / 10;
  return Object.is(r, -0) ? "0" : String(r);
}

/** Seconds on tooltips: millisecond precision, like the live event lines. */
export function secs(s: number): string {
  return s.toFixed(3);
}

/** One line, at most `max` characters, with an ellipsis when cut. */
export function clip(s: string, max: number): string {
  const flat = oneLine(s);
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/** A tooltip: browsers show an element's <title> on hover, no script needed. */
export function title(s: string): string {
  return `<title>${escapeXml(oneLine(s))}</title>`;
}

export interface TextStyle {
  size: number;
  color: string;
  weight?: "bold";
  anchor?: "start" | "middle" | "end";
  /** A white outline that keeps the text legible where lines cross it. */
  halo?: boolean;
  tip?: string;
}

export function text(x: number, y: number, content: string, o: TextStyle): string {
  const attrs = [
    `x="${n(x)}"`,
    `y="${n(y)}"`,
    `font-size="${o.size}"`,
    `fill="${escapeAttr(o.color)}"`,
    o.anchor && o.anchor !== "start" ? `text-anchor="${o.anchor}"` : "",
    o.weight ? `font-weight="${o.weight}"` : "",
    o.halo ? `stroke="#ffffff" stroke-width="3" paint-order="stroke"` : "",
  ].filter(Boolean);
  return `<text ${attrs.join(" ")}>${escapeXml(oneLine(content))}${o.tip ? title(o.tip) : ""}</text>`;
}

export interface ShapeStyle {
  fill?: string;
  fillOpacity?: number;
  stroke?: string;
  strokeWidth?: number;
  dash?: string;
  tip?: string;
}

function shapeAttrs(o: ShapeStyle): string[] {
  return [
    o.fill ? `fill="${escapeAttr(o.fill)}"` : "",
    o.fillOpacity !== undefined ? `fill-opacity="${o.fillOpacity}"` : "",
    o.stroke ? `stroke="${escapeAttr(o.stroke)}"` : "",
    o.strokeWidth !== undefined ? `stroke-width="${o.strokeWidth}"` : "",
    o.dash ? `stroke-dasharray="${o.dash}"` : "",
  ].filter(Boolean);
}

function element(name: string, attrs: string[], tip: string | undefined): string {
  return tip ? `<${name} ${attrs.join(" ")}>${title(tip)}</${name}>` : `<${name} ${attrs.join(" ")}/>`;
}

export function rect(x: number, y: number, w: number, h: number, o: ShapeStyle): string {
  const attrs = [`x="${n(x)}"`, `y="${n(y)}"`, `width="${n(w)}"`, `height="${n(h)}"`, ...shapeAttrs(o)];
  return element("rect", attrs, o.tip);
}

export function line(x1: number, y1: number, x2: number, y2: number, o: ShapeStyle): string {
  const attrs = [`x1="${n(x1)}"`, `y1="${n(y1)}"`, `x2="${n(x2)}"`, `y2="${n(y2)}"`, ...shapeAttrs(o)];
  return element("line", attrs, o.tip);
}
