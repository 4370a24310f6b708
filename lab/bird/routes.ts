// Parsing `show route [all]` output of IP tables. A route is one header line (the network column
// is left blank for further routes to the same network), then its next hops, then, with `all`,
// its attributes. Lines that fit none of these are reported, not skipped: a silent gap in a
// route list would look like a missing route.
import { isIP } from "node:net";
import { LabError } from "../util/errors.ts";
import type { BirdClient } from "./client.ts";
import { BirdCommandError, BirdParseError } from "./errors.ts";
import { symbolArgument } from "./names.ts";

export type RouteKind = "unicast" | "blackhole" | "unreachable" | "prohibit";
const KINDS: readonly string[] = ["unicast", "blackhole", "unreachable", "prohibit"];

export interface NextHop {
  /** Absent for a device route (`dev eth0`). */
  gateway?: string;
  iface?: string;
  /** Multipath weight, when BIRD prints one. */
  weight?: number;
}

export interface RouteInfo {
  table: string;
  prefix: string;
  kind: RouteKind;
  /** Protocol that supplied the route. */
  protocol: string;
  /** As formatted by `timeformat route`. */
  since: string;
  /** Address the route was learned from, when BIRD prints `from X` (it differs from the next hop). */
  from?: string;
  /** Marked `*` (or `!` when the kernel refused it): the best route for its network. */
  primary: boolean;
  preference: number;
  /** The value after the slash in "(100/20)", when present. */
  metric?: string;
  /** Gateway addresses, in BIRD's order. */
  nextHops: string[];
  /** Interface of the first next hop. */
  iface?: string;
  hops: NextHop[];
  /** Origin AS from the "[AS64514i]" summary of BGP routes. */
  originAs?: number;
  /** From BGP.as_path (`show route all` only); AS sets are flattened into the list. */
  asPath?: number[];
  /** Every attribute line of `show route all` ("Type", "BGP.next_hop", ...). */
  attributes?: Record<string, string>;
}

const WELCOME = /^BIRD \S+ ready\.$/;
const TABLE = /^Table (\S+):$/;
// <net or blank> <kind> [<proto> <since>[ from <addr>]][ *|!] [<OSPF type>] (<pref>[-][/<metric>]) [<BGP summary>]
// (nest/rt-show.c; "!" marks a primary route the kernel refused, "-" a suppressed BGP route.)
const ROUTE =
  /^(\S+)?\s+(\w+)\s+\[(\S+) ([^\]]*?)(?: from (\S+))?\]\s*([*!])?\s*(?:\w+\s+)?\((\d+)-?(?:\/([^)]*))?\)\s*(?:\[([^\]]*)\])?\s*$/;
const VIA = /^\s+via (\S+)(?: on (\S+))?(.*)$/;
const DEV = /^\s+dev (\S+)(.*)$/;
const ATTRIBUTE = /^\t([^:\s][^:]*): ?(.*)$/;

export function parseRoutes(text: string): RouteInfo[] {
  const out: RouteInfo[] = [];
  let table = "";
  let current: RouteInfo | undefined;
  for (const line of text.split("\n")) {
    if (line.trim() === "" || WELCOME.test(line)) continue;
    const t = TABLE.exec(line);
    if (t?.[1]) {
      table = t[1];
      current = undefined;
      continue;
    }
    // Attributes and next hops are tab-indented; a blank network column is spaces.
    if (!line.startsWith("\t")) {
      current = parseHeader(line, table, current?.prefix);
      out.push(current);
      continue;
    }
    if (!current) throw new BirdParseError("route detail before any route", line);
    const hop = parseHop(line);
    if (hop) {
      current.hops.push(hop);
      if (hop.gateway) current.nextHops.push(hop.gateway);
      current.iface ??= hop.iface;
      continue;
    }
    const a = ATTRIBUTE.exec(line);
    if (!a?.[1]) throw new BirdParseError("unrecognised route line", line);
    const value = a[2] ?? "";
    current.attributes ??= {};
    current.attributes[a[1]] = value;
    if (a[1] === "BGP.as_path") current.asPath = (value.match(/\d+/g) ?? []).map(Number);
  }
  return out;
}

function parseHeader(line: string, table: string, previousPrefix: string | undefined): RouteInfo {
  const m = ROUTE.exec(line);
  if (!m) throw new BirdParseError("not a route line", line);
  const [, net, kind = "", protocol = "", since = "", from, star, pref, metric, summary] = m;
  const prefix = net ?? previousPrefix;
  if (!prefix) throw new BirdParseError("route without a network", line);
  if (!KINDS.includes(kind)) throw new BirdParseError(`unknown route kind ${kind}`, line);
  const route: RouteInfo = {
    table,
    prefix,
    kind: kind as RouteKind,
    protocol,
    since,
    primary: star !== undefined,
    preference: Number(pref),
    nextHops: [],
    hops: [],
  };
  if (from) route.from = from;
  if (metric !== undefined) route.metric = metric;
  const origin = summary ? /^AS(\d+)[ie?]$/.exec(summary) : null;
  if (origin) route.originAs = Number(origin[1]);
  return route;
}

function parseHop(line: string): NextHop | undefined {
  const via = VIA.exec(line);
  const dev = via ? undefined : DEV.exec(line);
  if (!via && !dev) return undefined;
  const hop: NextHop = {};
  if (via?.[1]) hop.gateway = via[1];
  const iface = via ? via[2] : dev?.[1];
  if (iface) hop.iface = iface;
  const weight = /\bweight (\d+)/.exec((via ? via[3] : dev?.[2]) ?? "");
  if (weight) hop.weight = Number(weight[1]);
  return hop;
}

export interface RouteQuery {
  /** An address or prefix: routes for the longest match (`show route for X`). */
  for?: string;
  table?: string;
  protocol?: string;
  primary?: boolean;
  /** Include attributes (`all`): needed for asPath. */
  all?: boolean;
}

/** `show route ...` with every name and address checked first. */
export function showRouteCommand(q: RouteQuery = {}): string {
  const parts = ["show route"];
  if (q.for !== undefined) parts.push("for", checkAddressOrPrefix(q.for));
  if (q.table !== undefined) parts.push("table", symbolArgument(q.table, "table name"));
  if (q.protocol !== undefined) parts.push("protocol", symbolArgument(q.protocol, "protocol name"));
  if (q.primary) parts.push("primary");
  if (q.all) parts.push("all");
  return parts.join(" ");
}

/** Routes matching the query; [] when BIRD says "Network not found" (8001). */
export async function getRoutes(client: BirdClient, q: RouteQuery = {}): Promise<RouteInfo[]> {
  try {
    return parseRoutes((await client.request(showRouteCommand(q))).text);
  } catch (err) {
    if (err instanceof BirdCommandError && err.code === 8001) return [];
    throw err;
  }
}

function checkAddressOrPrefix(value: string): string {
  const [addr = "", len, extra] = value.split("/");
  const family = /^[0-9A-Fa-f:.]+$/.test(addr) ? isIP(addr) : 0;
  const max = family === 4 ? 32 : 128;
  const lenOk = len === undefined || (/^\d{1,3}$/.test(len) && Number(len) <= max);
  if (family === 0 || !lenOk || extra !== undefined) {
    throw new LabError(`not an IP address or prefix: ${JSON.stringify(value)}`);
  }
  return value;
}
