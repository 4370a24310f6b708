// The state of a running lab, collected once and shown two ways: tables laid out like
// `birdc show protocols` (routers), `cilium bgp peers` (nodes) and `ip route | grep 10.42`,
// or JSON for machines.
import { relayRequest } from "../emulate/zerotier/control.ts";
import { formatRelayStatus } from "../emulate/zerotier/format.ts";
import type { RelayStatus } from "../emulate/zerotier/relay.ts";
import type { Journal } from "../runtime/netns/journal.ts";
import {
  type FibRoute,
  fibRoutes,
  type NodeSessions,
  nodeSessions,
  type RouterSessions,
  routerProtocols,
} from "../runtime/netns/observe.ts";
import { nsName } from "../runtime/netns/plan.ts";
import { isAlive } from "../runtime/netns/processes.ts";
import type { WorkPaths } from "../runtime/workdir.ts";
import { containsCidr, parseCidr } from "../topology/ipv4.ts";
import type { Lab } from "../topology/model.ts";
import { table } from "../util/table.ts";

export interface LabStatus {
  lab: string;
  daemons: { name: string; pid: number; alive: boolean }[];
  routers: RouterSessions[];
  nodes: NodeSessions[];
  routes: { router: string; routes: FibRoute[] }[];
  relay: RelayStatus | { error: string };
}

export async function collectStatus(lab: Lab, paths: WorkPaths, journal: Journal): Promise<LabStatus> {
  const daemons = journal
    .entries()
    .flatMap((e) =>
      e.kind === "process"
        ? [{ name: e.name, pid: e.pid, alive: isAlive(e.pid, e.startTime || undefined) }]
        : [],
    );
  const [routers, nodes, routes, relay] = await Promise.all([
    Promise.all(lab.routers.map((r) => routerProtocols(r.name, paths.birdSocket(r.name)))),
    nodeSessions(lab),
    Promise.all(
      lab.routers.map(async (r) => ({
        router: r.name,
        routes: (await fibRoutes(nsName(lab.name, r.name)).catch(() => [])).filter((x) =>
          inCluster(lab, x.dst),
        ),
      })),
    ),
    relayRequest(paths.relaySocket, { op: "show" })
      .then((r) => r.status)
      .catch((err: Error) => ({ error: err.message })),
  ]);
  return { lab: lab.name, daemons, routers, nodes, routes, relay };
}

function inCluster(lab: Lab, dst: string): boolean {
  const c = parseCidr(dst);
  return c !== null && containsCidr(lab.cluster.podCidr, c);
}

export function formatRouters(routers: RouterSessions[]): string {
  return routers
    .map((r) => {
      if (!r.reachable) return `${r.router}: BIRD not reachable (${r.error})`;
      const rows = r.protocols.map((p) => [
        p.name,
        p.proto,
        p.table,
        p.state,
        p.since,
        [p.info, p.infoDetail].filter(Boolean).join(" "),
      ]);
      return `${r.router}\n${table(["Name", "Proto", "Table", "State", "Since", "Info"], rows, 2)}`;
    })
    .join("\n\n");
}

export function formatNodes(nodes: NodeSessions[], now = Date.now() / 1000): string {
  const rows = nodes.flatMap((n) =>
    n.reachable
      ? n.neighbors.map((nb) => [
          n.node,
          String(n.localAs),
          String(nb.peerAs),
          nb.address,
          nb.state,
          nb.uptimeSince ? duration(now - nb.uptimeSince) : "0s",
          "ipv4/unicast",
          String(nb.received),
          String(nb.advertised),
        ])
      : [[n.node, String(n.localAs), "-", "-", `unreachable: ${n.error}`, "", "", "", ""]],
  );
  return table(
    [
      "Node",
      "Local AS",
      "Peer AS",
      "Peer Address",
      "Session State",
      "Uptime",
      "Family",
      "Received",
      "Advertised",
    ],
    rows,
  );
}

export function formatRoutes(routes: { router: string; routes: FibRoute[] }[]): string {
  return routes
    .map(
      (r) =>
        `${r.router}: ip route | grep 10.42\n${r.routes.map((x) => `  ${x.dst}${x.gateway ? ` via ${x.gateway}` : ""}${x.dev ? ` dev ${x.dev}` : ""}${x.protocol ? ` proto ${x.protocol}` : ""}`).join("\n") || "  (none)"}`,
    )
    .join("\n");
}

export function formatStatus(s: LabStatus): string {
  const dead = s.daemons.filter((d) => !d.alive);
  const daemons = `daemons: ${s.daemons.length - dead.length}/${s.daemons.length} alive${dead.length ? ` (dead: ${dead.map((d) => d.name).join(", ")})` : ""}`;
  const relay =
    "error" in s.relay
      ? `ZeroTier relay: ${s.relay.error}`
      : `ZeroTier relay:\n${formatRelayStatus(s.relay)}`;
  return [
    `lab ${s.lab}`,
    daemons,
    "",
    "Routers (birdc show protocols)",
    formatRouters(s.routers),
    "",
    "Nodes (cilium bgp peers)",
    formatNodes(s.nodes),
    "",
    formatRoutes(s.routes),
    "",
    relay,
  ].join("\n");
}

function duration(s: number): string {
  const sec = Math.max(0, Math.round(s));
  if (sec < 60) return `${sec}s`;
  if (sec < 3600) return `${Math.floor(sec / 60)}m${sec % 60}s`;
  return `${Math.floor(sec / 3600)}h${Math.floor((sec % 3600) / 60)}m`;
}
