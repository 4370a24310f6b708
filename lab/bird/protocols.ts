// Parsing `show protocols` and `show protocols all [NAME]`. Input is a reply's text (or birdc's
// output): one summary row per protocol, each optionally followed by indented detail lines.
import type { BirdClient } from "./client.ts";
import { BirdCommandError, BirdParseError } from "./errors.ts";
import { quoteProtocolName } from "./names.ts";

/** BIRD 2.0.12 proto_state_name(): "flush" is a down protocol still withdrawing routes. */
export type ProtocolState = "up" | "down" | "start" | "stop" | "flush";
const STATES: readonly string[] = ["up", "down", "start", "stop", "flush"];

export interface RouteCounts {
  imported: number;
  exported: number;
  preferred?: number;
  filtered?: number;
}

export interface ChannelInfo {
  /** ipv4, ipv6, ... */
  name: string;
  /** UP, DOWN, ... as BIRD prints it. */
  state?: string;
  table?: string;
  routes?: RouteCounts;
}

export interface ProtocolInfo {
  name: string;
  /** BGP, Static, Device, Kernel, Direct, ... */
  proto: string;
  /** "---" when the protocol has no main channel (BGP, Device). */
  table: string;
  state: ProtocolState;
  /** As formatted by `timeformat protocol`: "2026-11-26 05:49:17.748" or, by default, "05:49:17.748". */
  since: string;
  /** First part of the Info column: the BGP state (Established, Active, Idle, Connect, ...). */
  info: string;
  /** The rest of the Info column, e.g. "Socket: Connection refused". */
  infoDetail?: string;
  // From `show protocols all` only:
  bgpState?: string;
  neighborAddress?: string;
  neighborAs?: number;
  localAs?: number;
  neighborId?: string;
  sourceAddress?: string;
  lastError?: string;
  /** Negotiated hold time and keepalive interval in seconds, and what was left when asked. */
  holdTime?: number;
  holdTimerLeft?: number;
  keepaliveTime?: number;
  keepaliveTimerLeft?: number;
  channels?: ChannelInfo[];
  /** Route counts of the ipv4 channel (else the first channel). */
  routes?: RouteCounts;
  /** Every top-level "Key: value" detail line as printed, for what is not typed above. */
  details?: Record<string, string>;
}

const HEADER = /^Name\s+Proto\s+Table\s+State\s+Since\s+Info\s*$/;
const WELCOME = /^BIRD \S+ ready\.$/;
const ROW = /^(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(.*)$/;
/** Deeper lines are capability lists and the route change statistics table. */
const MAX_DETAIL_INDENT = 5;

/** Parses every protocol in a `show protocols [all] [NAME]` reply. */
export function parseProtocols(text: string): ProtocolInfo[] {
  const out: ProtocolInfo[] = [];
  let current: ProtocolInfo | undefined;
  let channel: ChannelInfo | undefined;
  for (const line of text.split("\n")) {
    if (line.trim() === "" || HEADER.test(line) || WELCOME.test(line)) continue;
    if (!/^\s/.test(line)) {
      current = parseRow(line);
      channel = undefined;
      out.push(current);
      continue;
    }
    if (!current) throw new BirdParseError("detail line before any protocol row", line);
    const channelHeader = /^\s*Channel (\S+)$/.exec(line);
    if (channelHeader?.[1]) {
      channel = { name: channelHeader[1] };
      current.channels ??= [];
      current.channels.push(channel);
      continue;
    }
    const indent = line.length - line.trimStart().length;
    const kv = /^\s*([^:]+?):\s*(.*)$/.exec(line);
    if (indent > MAX_DETAIL_INDENT || !kv?.[1]) continue;
    const value = kv[2] ?? "";
    if (channel) applyChannelDetail(channel, kv[1], value);
    else applyDetail(current, kv[1], value, line);
  }
  for (const p of out) {
    const main = p.channels?.find((c) => c.name === "ipv4") ?? p.channels?.[0];
    if (main?.routes) p.routes = main.routes;
  }
  return out;
}

/** Parses a `show protocols all NAME` reply, which must describe exactly one protocol. */
export function parseProtocolDetails(text: string): ProtocolInfo {
  const all = parseProtocols(text);
  const [only] = all;
  if (!only || all.length !== 1) {
    throw new BirdParseError(`expected one protocol, found ${all.length}`, text.split("\n")[0] ?? "");
  }
  return only;
}

function parseRow(line: string): ProtocolInfo {
  const m = ROW.exec(line);
  const [, name, proto, table, state, rest] = m ?? [];
  if (!name || !proto || !table || !state || rest === undefined) {
    throw new BirdParseError("not a protocol row", line);
  }
  if (!STATES.includes(state)) throw new BirdParseError(`unknown protocol state ${state}`, line);
  // Since is padded to 12 and followed by two spaces; the Info column pads the BGP state to 14.
  const [since = "", info = "", ...detail] = rest.trim().split(/\s{2,}/);
  const row: ProtocolInfo = { name, proto, table, state: state as ProtocolState, since, info };
  if (detail.length > 0) row.infoDetail = detail.join("  ");
  return row;
}

function applyDetail(p: ProtocolInfo, key: string, value: string, line: string): void {
  p.details ??= {};
  p.details[key] = value;
  switch (key) {
    case "BGP state":
      p.bgpState = value;
      break;
    case "Neighbor address":
      p.neighborAddress = value;
      break;
    case "Neighbor AS":
      p.neighborAs = toInt(value, line);
      break;
    case "Local AS":
      p.localAs = toInt(value, line);
      break;
    case "Neighbor ID":
      p.neighborId = value;
      break;
    case "Source address":
      p.sourceAddress = value;
      break;
    case "Last error":
      p.lastError = value;
      break;
    case "Hold timer": {
      const t = timer(value, line);
      p.holdTimerLeft = t.left;
      p.holdTime = t.total;
      break;
    }
    case "Keepalive timer": {
      const t = timer(value, line);
      p.keepaliveTimerLeft = t.left;
      p.keepaliveTime = t.total;
      break;
    }
  }
}

function applyChannelDetail(c: ChannelInfo, key: string, value: string): void {
  if (key === "State") c.state = value;
  else if (key === "Table") c.table = value;
  else if (key === "Routes") c.routes = routeCounts(value);
}

/** "3 imported, 1 filtered, 0 exported, 3 preferred" */
function routeCounts(value: string): RouteCounts {
  const counts: Record<string, number> = {};
  for (const m of value.matchAll(/(\d+) (\w+)/g)) counts[m[2] ?? ""] = Number(m[1]);
  const out: RouteCounts = { imported: counts.imported ?? 0, exported: counts.exported ?? 0 };
  if (counts.preferred !== undefined) out.preferred = counts.preferred;
  if (counts.filtered !== undefined) out.filtered = counts.filtered;
  return out;
}

/** "3.604/6": seconds left / configured (negotiated) value. */
function timer(value: string, line: string): { left: number; total: number } {
  const m = /^(\d+(?:\.\d+)?)\/(\d+(?:\.\d+)?)$/.exec(value);
  if (!m) throw new BirdParseError("unexpected timer value", line);
  return { left: Number(m[1]), total: Number(m[2]) };
}

function toInt(value: string, line: string): number {
  if (!/^\d+$/.test(value)) throw new BirdParseError("expected a number", line);
  return Number(value);
}

/** `show protocols [all] ["NAME"]`, with the name checked and quoted. */
export function showProtocolsCommand(name?: string, all = false): string {
  return ["show protocols", all ? "all" : "", name === undefined ? "" : quoteProtocolName(name)]
    .filter(Boolean)
    .join(" ");
}

export async function getProtocols(client: BirdClient, all = false): Promise<ProtocolInfo[]> {
  return parseProtocols((await client.request(showProtocolsCommand(undefined, all))).text);
}

/** Details of one protocol, or undefined when BIRD has none of that name (8003). */
export async function getProtocol(client: BirdClient, name: string): Promise<ProtocolInfo | undefined> {
  try {
    return parseProtocolDetails((await client.request(showProtocolsCommand(name, true))).text);
  } catch (err) {
    if (err instanceof BirdCommandError && err.code === 8003) return undefined;
    throw err;
  }
}
