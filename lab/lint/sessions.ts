// The BGP sessions of the design seen from both sides: each router's BIRD protocols with what
// their neighbor address is, and each node's Cilium peers with the router they dial.
import type {
  CiliumManifest,
  K8sNode,
  NodeBgpInstance,
  NodePeer,
  Router,
  SourceRef,
} from "../topology/model.ts";
import { manifestPosition } from "../topology/positions.ts";
import type { BgpSettings, BirdConfig, BirdProtocol } from "./bird-conf.ts";
import type { LintContext } from "./context.ts";

export type FarEnd =
  | { kind: "router"; router: Router }
  | { kind: "node"; node: K8sNode }
  | { kind: "unknown"; why: string };

export interface BirdSession {
  router: Router;
  conf: BirdConfig;
  protocol: BirdProtocol;
  bgp: BgpSettings;
  far: FarEnd;
}

export interface CiliumPeer {
  node: K8sNode;
  instance: NodeBgpInstance;
  peer: NodePeer;
  /** The CiliumBGPClusterConfig the peer comes from. */
  owner: CiliumManifest | undefined;
  /** Field path of the peer inside the owner, e.g. "spec.bgpInstances[0].peers[0]". */
  path: string;
  /** The router of the node's own site at peerAddress, if that is what it dials. */
  router: Router | undefined;
}

/** Every BGP protocol (not template) of every readable bird.conf. */
export function birdSessions(ctx: LintContext): BirdSession[] {
  const out: BirdSession[] = [];
  for (const router of ctx.lab.routers) {
    const conf = ctx.bird.get(router.name);
    if (!conf) continue;
    for (const protocol of conf.protocols) {
      if (!protocol.bgp) continue;
      out.push({ router, conf, protocol, bgp: protocol.bgp, far: farEnd(ctx, router, protocol.bgp) });
    }
  }
  return out;
}

function farEnd(ctx: LintContext, router: Router, bgp: BgpSettings): FarEnd {
  const addr = bgp.neighborAddress?.value;
  if (!addr) return { kind: "unknown", why: "no neighbor address" };
  const other = ctx.lab.routers.find((r) => r !== router && r.zerotierAddress === addr);
  if (other) return { kind: "router", router: other };
  const node = ctx.lab.nodes.find((n) => n.address === addr);
  if (node && node.site === router.site) return { kind: "node", node };
  if (node)
    return { kind: "unknown", why: `node ${node.name} is on site ${node.site}, not on ${router.site}` };
  const viaLan = ctx.lab.routers.find((r) => r !== router && r.lanAddress === addr);
  if (viaLan)
    return { kind: "unknown", why: `${addr} is ${viaLan.name}'s LAN address, not its ZeroTier address` };
  return {
    kind: "unknown",
    why: `${addr} is neither a router's ZeroTier address nor a node of site ${router.site}`,
  };
}

/** Every resolved Cilium peer of every node (skipped peers are not here: see node.bgp.skipped). */
export function ciliumPeers(ctx: LintContext): CiliumPeer[] {
  const out: CiliumPeer[] = [];
  for (const node of ctx.lab.nodes) {
    if (!node.bgp) continue;
    const owner = ctx.lab.cilium.find(
      (m) => m.kind === "CiliumBGPClusterConfig" && m.metadata.name === node.bgp?.clusterConfig,
    );
    for (const instance of node.bgp.instances) {
      for (const peer of instance.peers) {
        const router = ctx.lab.routers.find((r) => r.site === node.site && r.lanAddress === peer.peerAddress);
        out.push({ node, instance, peer, owner, path: peerPath(owner, instance.name, peer.name), router });
      }
    }
  }
  return out;
}

export interface PeerConfigGroup {
  /** The first peer of the group, for names and positions. */
  first: CiliumPeer;
  nodes: K8sNode[];
}

/**
 * Peers grouped by the CiliumBGPPeerConfig they use (a peer without one is its own group), so a
 * finding about a PeerConfig is reported once, listing every node it affects.
 */
export function groupByPeerConfig(peers: CiliumPeer[]): PeerConfigGroup[] {
  const groups = new Map<string, PeerConfigGroup>();
  for (const cp of peers) {
    const key = cp.peer.peerConfig ?? `${cp.owner?.metadata.name}|${cp.path}`;
    const g = groups.get(key) ?? { first: cp, nodes: [] };
    if (!g.nodes.includes(cp.node)) g.nodes.push(cp.node);
    groups.set(key, g);
  }
  return [...groups.values()];
}

/** Where a PeerConfig field is written, or the ClusterConfig peer / node when there is none. */
export function peerConfigField(ctx: LintContext, cp: CiliumPeer, field: string): SourceRef {
  const pc = cp.peer.peerConfig;
  const manifest = pc
    ? ctx.lab.cilium.find((m) => m.kind === "CiliumBGPPeerConfig" && m.metadata.name === pc)
    : undefined;
  if (manifest) return manifestPosition(manifest, field);
  return cp.owner ? manifestPosition(cp.owner, cp.path) : cp.node.source;
}

interface RawInstance {
  name?: string;
  peers?: { name?: string }[];
}

export function peerPath(owner: CiliumManifest | undefined, instance: string, peer: string): string {
  const instances = (owner?.spec.bgpInstances ?? []) as RawInstance[];
  const ii = Math.max(
    0,
    instances.findIndex((x) => x.name === instance),
  );
  const pi = Math.max(
    0,
    (instances[ii]?.peers ?? []).findIndex((p) => p.name === peer),
  );
  return `spec.bgpInstances[${ii}].peers[${pi}]`;
}

/** The router's BGP protocols whose neighbor is `address`. */
export function protocolsTo(sessions: BirdSession[], router: Router, address: string): BirdSession[] {
  return sessions.filter((s) => s.router === router && s.bgp.neighborAddress?.value === address);
}

/** "nodes a, b" / "node a" for messages. */
export function nodeList(nodes: K8sNode[]): string {
  return `${nodes.length === 1 ? "node" : "nodes"} ${nodes.map((n) => n.name).join(", ")}`;
}
