// YAML loading that remembers where every value came from. js-yaml reports each node it
// composes through a listener ("open" then "close", properly nested); we rebuild that tree
// and walk it beside the loaded value to map each value path (e.g. "routers[1].asn") to a
// line and column. Keys get their own entry ("routers[1].asn#key") so unknown keys are
// reported where the key is written.
import yaml from "js-yaml";
import type { SourceRef } from "./source.ts";

export type PositionMap = Map<string, SourceRef>;

export interface YamlDocument {
  value: unknown;
  positions: PositionMap;
  /** Position of the document start, used when a path has no position of its own. */
  start: SourceRef;
}

export class YamlSyntaxError extends Error {
  override name = "YamlSyntaxError";
  constructor(
    readonly where: SourceRef,
    readonly reason: string,
    /** What to do about it, when the generic "check indentation and quoting" would mislead. */
    readonly hint?: string,
  ) {
    super(`${where.file}:${where.line}:${where.col}: ${reason}`);
  }
}

interface Frame {
  open: number;
  kind: string | null;
  result: unknown;
  children: Frame[];
}

/** Largest YAML file the lab accepts: configs are small; anything bigger is a mistake or an attack. */
export const MAX_YAML_BYTES = 1024 * 1024;

/**
 * Most values one document may hold once its aliases are expanded. js-yaml shares an anchored
 * value between its aliases, so parsing stays linear, but everything that walks the value
 * (schema validation, renderers) sees the expanded tree: ten levels of ten aliases each (an
 * "alias bomb") is 10^10 values, and `&a [*a]` is an endless cycle. Real configs hold a few
 * hundred values.
 */
export const MAX_YAML_VALUES = 100_000;

export function parseYamlDocuments(text: string, file: string): YamlDocument[] {
  if (text.length > MAX_YAML_BYTES || Buffer.byteLength(text, "utf8") > MAX_YAML_BYTES) {
    throw new YamlSyntaxError(
      { file, line: 1, col: 1 },
      `file is larger than ${MAX_YAML_BYTES} bytes`,
      "lab configs are small: is this the right file?",
    );
  }
  const lineStarts = computeLineStarts(text);
  // An empty value (`key:` then a newline) opens right after the colon and consumes nothing:
  // skipping blanks would move it onto the next line's key, so stay on the key's line.
  const where = (offset: number, empty = false): SourceRef =>
    toRef(file, lineStarts, skipBlank(text, offset, empty));
  const roots: Frame[] = [];
  const stack: Frame[] = [];
  const listener = (
    event: "open" | "close",
    state: { position: number; kind: string | null; result: unknown },
  ) => {
    if (event === "open") {
      stack.push({ open: state.position, kind: null, result: undefined, children: [] });
      return;
    }
    const frame = stack.pop();
    if (!frame) return;
    frame.kind = state.kind;
    frame.result = state.result;
    const parent = stack[stack.length - 1];
    (parent ? parent.children : roots).push(collapse(frame));
  };
  let values: unknown[];
  try {
    values = [];
    yaml.loadAll(text, (doc) => values.push(doc), {
      filename: file,
      json: false,
      listener: listener as never,
    });
  } catch (err) {
    if (err instanceof yaml.YAMLException) {
      const mark = err.mark as { line?: number; column?: number } | undefined;
      throw new YamlSyntaxError(
        { file, line: (mark?.line ?? 0) + 1, col: (mark?.column ?? 0) + 1 },
        `YAML syntax error: ${err.reason}`,
      );
    }
    throw err;
  }
  return values.map((value, i) => {
    const positions: PositionMap = new Map();
    const root = roots[i];
    const start = root ? where(root.open) : { file, line: 1, col: 1 };
    if (expandedSizeExceeds(value, MAX_YAML_VALUES)) {
      throw new YamlSyntaxError(
        start,
        `document has more than ${MAX_YAML_VALUES} values once its aliases are expanded (nested or recursive aliases)`,
        "write the values out instead of nesting aliases inside anchored collections",
      );
    }
    if (root) mapPositions(root, "", positions, where);
    return { value, positions, start };
  });
}

/**
 * True when walking `value` as a tree (aliases expanded, cycles followed) visits more than
 * `limit` values. Stops as soon as the limit is passed, so it costs at most `limit` steps.
 */
function expandedSizeExceeds(value: unknown, limit: number): boolean {
  const stack: unknown[] = [value];
  let visited = 0;
  while (stack.length > 0) {
    const v = stack.pop();
    if (++visited > limit) return true;
    if (v === null || typeof v !== "object" || ArrayBuffer.isView(v)) continue;
    if (Array.isArray(v)) for (const item of v) stack.push(item);
    else for (const item of Object.values(v)) stack.push(item);
  }
  return false;
}

/** A composeNode that only wraps another one (js-yaml does this for some block entries). */
function collapse(frame: Frame): Frame {
  const only = frame.children[0];
  if (frame.children.length === 1 && only && only.result === frame.result) return only;
  return frame;
}

function mapPositions(
  frame: Frame,
  path: string,
  out: PositionMap,
  where: (o: number, empty?: boolean) => SourceRef,
): void {
  // js-yaml closes an empty node (no text at all) with kind null; `~` and `null` are scalars.
  out.set(path, where(frame.open, frame.kind === null));
  const value = frame.result;
  if (frame.kind === "mapping" && value && typeof value === "object" && !Array.isArray(value)) {
    // Children alternate key, value. Merge keys (<<) and other oddities break the pairing;
    // then the entries simply fall back to the mapping's own position.
    for (let i = 0; i + 1 < frame.children.length; i += 2) {
      const keyFrame = frame.children[i] as Frame;
      const valueFrame = frame.children[i + 1] as Frame;
      const key = String(keyFrame.result);
      const child = joinPath(path, key);
      out.set(`${child}#key`, where(keyFrame.open));
      mapPositions(valueFrame, child, out, where);
    }
  } else if (frame.kind === "sequence" && Array.isArray(value) && value.length === frame.children.length) {
    frame.children.forEach((c, i) => {
      mapPositions(c, `${path}[${i}]`, out, where);
    });
  }
}

export function joinPath(path: string, key: string): string {
  const safe = /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? key : JSON.stringify(key);
  return path ? `${path}.${safe}` : safe;
}

/** The position of a path, or of its nearest ancestor that has one. */
export function positionOf(doc: YamlDocument, path: string, preferKey = false): SourceRef {
  if (preferKey) {
    const k = doc.positions.get(`${path}#key`);
    if (k) return k;
  }
  let p = path;
  for (;;) {
    const hit = doc.positions.get(p);
    if (hit) return hit;
    if (p === "") return doc.start;
    p = parentPath(p);
  }
}

function parentPath(path: string): string {
  const m = /^(.*?)(\.[^.[\]]+|\.("[^"]*")|\[\d+\])$/.exec(path);
  return m ? (m[1] ?? "") : "";
}

function computeLineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

function toRef(file: string, lineStarts: number[], offset: number): SourceRef {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((lineStarts[mid] as number) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { file, line: lo + 1, col: offset - (lineStarts[lo] as number) + 1 };
}

/**
 * js-yaml opens a node before the separating blanks, ":" or "- "; move to its first character.
 * With `sameLine`, stop at the end of the line (for empty values).
 */
function skipBlank(text: string, offset: number, sameLine = false): number {
  let i = offset;
  for (;;) {
    const c = text[i];
    if (c === " " || c === "\t") i++;
    else if (!sameLine && (c === "\n" || c === "\r")) i++;
    else if (c === "#" && !sameLine) while (i < text.length && text[i] !== "\n") i++;
    else break;
  }
  return Math.min(i, Math.max(text.length - 1, 0));
}
