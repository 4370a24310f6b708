// The state of a running lab on any runtime, collected once through the lab handle and shown
// two ways: tables laid out like `birdc show protocols` (routers), `cilium bgp peers` (nodes)
// and `ip route | grep 10.42`, with what only the runtime knows before and after them (the
// netns runtime: its daemons and the ZeroTier relay), or JSON for machines.
import { type ProtocolInfo, parseProtocols, showProtocolsCommand } from "../bird/protocols.ts";
import type { ClusterNode, LabHandle, SpeakerSession } from "../runtime/kind.ts";
import { containsCidr, parseCidr } from "../topology/ipv4.ts";
import type { Lab } from "../topology/model.ts";
import { mapLimit } from "../util/concurrency.ts";
import { table } from "../util/table.ts";
import type { FibRoute } from "./probes.ts";

/** Reads of a lab's speakers in flight at once (each is a CLI process on the netns runtime). */
export const READ_PARALLEL = 4;

export interface RouterSessions {
  router: string;
  reachable: boolean;
  error?: string;
  protocols: ProtocolInfo[];
}

export interface NodeSessions {
  node: string;
  instance: string;
  localAs: number;
  reachable: boolean;
  error?: string;
  neighbors: SpeakerSession[];
}

export interface LabStatus {
  lab: string;
  routers: RouterSessions[];
  nodes: NodeSessions[];
  routes: { router: string; routes: FibRoute[] }[];
  /** What only the runtime knows (netns: daemons, relay). */
  [extra: string]: unknown;
}

export interface StatusView {
  data: LabStatus;
  text: string;
}

async function routerSessions(h: LabHandle, router: string): Promise<RouterSessions> {
  try {
    const text = await h.bird(router, showProtocolsCommand(undefined, true));
    return { router, reachable: true, protocols: parseProtocols(text) };
  } catch (err) {
    return { router, reachable: false, error: (err as Error).message, protocols: [] };
  }
}

async function nodeSessions(h: LabHandle, node: Lab["nodes"][number]): Promise<NodeSessions[]> {
  try {
    return (await h.speakers(node.name)).map((s) => ({
      node: node.name,
      instance: s.instance,
      localAs: s.localAs,
      reachable: s.error === undefined,
      ...(s.error !== undefined ? { error: s.error } : {}),
      neighbors: s.sessions,
    }));
  } catch (err) {
    const instance = node.bgp?.instances[0];
    return [
      {
        node: node.name,
        instance: instance?.name ?? "",
        localAs: instance?.localASN ?? 0,
        reachable: false,
        error: (err as Error).message,
        neighbors: [],
      },
    ];
  }
}

export async function collectStatus(h: LabHandle): Promise<StatusView> {
  const { lab } = h;
  // The few reads first (routers, FIBs, the runtime's extras), then the speakers at most
  // READ_PARALLEL at a time: fired all at once, 64 nodes' CLI processes starved BIRD's and the
  // relay's replies past their budgets.
  const [extras, routers, routes, cluster] = await Promise.all([
    h.statusExtras(),
    Promise.all(lab.routers.map((r) => routerSessions(h, r.name))),
    Promise.all(
      lab.routers.map(async (r) => ({
        router: r.name,
        routes: (await h.fib(r.name).catch(() => [])).filter((x) => inCluster(lab, x.dst)),
      })),
    ),
    clusterNodes(h),
  ]);
  const speaking = lab.nodes.filter((n) => n.bgp !== null);
  const nodes = (await mapLimit(speaking, READ_PARALLEL, (n) => nodeSessions(h, n))).flat();
  const data: LabStatus = {
    lab: lab.name,
    ...extras.before.data,
    routers,
    nodes,
    routes,
    ...(cluster ? { clusterNodes: cluster } : {}),
    ...extras.after.data,
  };
  const text = [
    `lab ${lab.name}`,
    ...extras.before.lines,
    "",
    "Routers (birdc show protocols)",
    formatRouters(routers),
    "",
    "Nodes (cilium bgp peers)",
    formatNodes(nodes),
    "",
    formatRoutes(routes),
    ...(cluster ? ["", "Kubernetes nodes (kubectl get nodes)", formatClusterNodes(cluster)] : []),
    ...(extras.after.lines.length ? ["", ...extras.after.lines] : []),
  ].join("\n");
  return { data, text };
}

/** The control plane's nodes where the kind offers them; an error is shown, not thrown. */
async function clusterNodes(h: LabHandle): Promise<ClusterNode[] | { error: string } | null> {
  if (!h.clusterNodes) return null;
  return h.clusterNodes().catch((err: Error) => ({ error: err.message }));
}

/** Laid out like `kubectl get nodes`, then the pods the taint-based eviction removes or removed. */
export function formatClusterNodes(nodes: ClusterNode[] | { error: string }, now = Date.now()): string {
  if (!Array.isArray(nodes)) return `control plane not answering: ${nodes.error}`;
  const rows = nodes.map((n) => [
    n.name,
    n.ready ? "Ready" : "NotReady",
    n.role === "control-plane" ? "control-plane" : "<none>",
    duration((now - n.registeredAt) / 1000),
  ]);
  const lines = [table(["NAME", "STATUS", "ROLES", "AGE"], rows)];
  for (const n of nodes) {
    if (n.evicted.length) lines.push(`evicted from ${n.name}: ${n.evicted.map((e) => e.pod).join(", ")}`);
    else if (n.evictionDueAt !== null)
      lines.push(
        `due for eviction from ${n.name} in ${duration((n.evictionDueAt - now) / 1000)} (NotReady for ${duration((now - n.transitionAt) / 1000)}): ${n.pods.join(", ")}`,
      );
  }
  return lines.join("\n");
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

function duration(s: number): string {
  const sec = Math.max(0, Math.round(s));
  if (sec < 60) return `${sec}s`;
  if (sec < 3600) return `${Math.floor(sec / 60)}m${sec % 60}s`;
  return `${Math.floor(sec / 3600)}h${Math.floor((sec % 3600) / 60)}m`;
}
