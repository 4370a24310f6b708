// The run as JSON for machines: the RunReport itself plus a schema version, keys sorted so the
// same run always serialises to the same bytes, and small flat objects (probe samples, events)
// kept on one line so a 15,000-sample stream stays readable and diffable.
import type { RunReport } from "../../scenario/types.ts";

export const SCHEMA_VERSION = 1;

export function toJson(report: RunReport): string {
  return `${serialise({ schemaVersion: SCHEMA_VERSION, ...report }, "")}\n`;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function serialise(value: unknown, indent: string): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value ?? null);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return `[\n${value.map((v) => inner + serialise(v, inner)).join(",\n")}\n${indent}]`;
  }
  const entries = orderedEntries(value as Record<string, unknown>);
  if (entries.length === 0) return "{}";
  if (entries.every(([, v]) => v === null || typeof v !== "object")) {
    const flat = `{ ${entries.map(([k, v]) => `${JSON.stringify(k)}: ${serialise(v, "")}`).join(", ")} }`;
    if (flat.length <= 100) return flat;
  }
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${serialise(v, inner)}`).join(",\n")}\n${indent}}`;
}

// schemaVersion first so a reader can dispatch before reading on; the rest alphabetical.
// undefined fields are left out, as JSON.stringify does.
function orderedEntries(obj: Record<string, unknown>): [string, Json][] {
  return Object.keys(obj)
    .filter((k) => obj[k] !== undefined && typeof obj[k] !== "function")
    .sort((a, b) => (a === "schemaVersion" ? -1 : b === "schemaVersion" ? 1 : a < b ? -1 : a > b ? 1 : 0))
    .map((k) => [k, obj[k] as Json]);
}
