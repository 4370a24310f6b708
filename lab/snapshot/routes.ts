// A router's BIRD tables and what each BGP session exports, as snapshot data. lab/bird/routes.ts
// parses `show route all`; this keeps what a route is (attributes, best or not) and drops when
// it was learned.

import { symbolArgument } from "../bird/names.ts";
import { parseRoutes, type RouteInfo } from "../bird/routes.ts";
import type { LabHandle } from "../runtime/kind.ts";
import type { ExportedRoute, TableRoute } from "./model.ts";

const num = (v: string | undefined): number | null =>
  v !== undefined && /^\d+$/.test(v.trim()) ? Number(v) : null;

/** "(64514, 100) (64514, 200)" -> ["64514:100", "64514:200"]; the large form has three parts. */
export function parseCommunities(value: string | undefined): string[] {
  if (!value) return [];
  return [...value.matchAll(/\(([^)]*)\)/g)].map((m) => (m[1] ?? "").split(/,\s*/).join(":")).sort();
}

export function tableRoute(r: RouteInfo): TableRoute {
  const a = r.attributes ?? {};
  return {
    table: r.table,
    prefix: r.prefix,
    protocol: r.protocol,
    best: r.primary,
    kind: r.kind,
    nextHop: r.nextHops[0] ?? null,
    iface: r.iface ?? null,
    asPath: a["BGP.as_path"] !== undefined ? (r.asPath ?? []) : null,
    origin: a["BGP.origin"] ?? null,
    med: num(a["BGP.med"]),
    localPref: num(a["BGP.local_pref"]),
    communities: parseCommunities(a["BGP.community"]),
    largeCommunities: parseCommunities(a["BGP.large_community"]),
  };
}

export function exportedRoute(r: RouteInfo): ExportedRoute {
  return {
    prefix: r.prefix,
    nextHop: r.nextHops[0] ?? null,
    asPath: r.attributes?.["BGP.as_path"] !== undefined ? (r.asPath ?? []) : null,
  };
}

export async function readTableRoutes(h: LabHandle, router: string): Promise<TableRoute[]> {
  return parseRoutes(await h.bird(router, "show route all")).map(tableRoute);
}

/** `show route export P all` (BIRD 2.0.12, nest/config.Y: the routes that pass P's export
 * filter, i.e. what P announces); [] when the table has none ("Network not found"). */
export async function readExports(h: LabHandle, router: string, protocol: string): Promise<ExportedRoute[]> {
  const text = await h
    .bird(router, `show route export ${symbolArgument(protocol, "protocol name")} all`)
    .catch((err: Error & { code?: number }) => {
      if (err.code === 8001) return "";
      throw err;
    });
  // A runtime that reads BIRD through birdc gets the error as text, not as a code.
  if (/^Network not found/m.test(text)) return [];
  return parseRoutes(text).map(exportedRoute);
}
