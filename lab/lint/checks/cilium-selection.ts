// Which nodes run a BGP speaker and whom they dial, as Cilium resolves the CRDs: every node owned
// by exactly one ClusterConfig, every peer resolvable, every peer a router on the node's LAN.
// The loader rejects some of these already; lint repeats them for Labs built in memory.
import { selectingClusterConfigs } from "../../cilium/node-bgp.ts";
import * as ip from "../../topology/ipv4.ts";
import type { K8sNode } from "../../topology/model.ts";
import { manifestPosition } from "../../topology/positions.ts";
import type { LintContext } from "../context.ts";
import { type Finding, finding } from "../finding.ts";
import { type CiliumPeer, ciliumPeers, nodeList, peerPath } from "../sessions.ts";

function labelText(labels: Record<string, string>): string {
  const e = Object.entries(labels);
  return e.length ? e.map(([k, v]) => `${k}=${v}`).join(",") : "no labels";
}

export function nodeWithoutClusterConfig(ctx: LintContext): Finding[] {
  return ctx.lab.nodes
    .filter((n) => n.bgp === null)
    .map((n) =>
      finding("node-without-clusterconfig", "error", n.source, {
        message: `node ${n.name} (${labelText(n.labels)}) is selected by no CiliumBGPClusterConfig`,
        consequence: `the node runs no BGP speaker: its pod CIDR ${n.podCidr.text} is never advertised and its pods are unreachable from other nodes`,
        fix: "change the node's labels or a ClusterConfig's nodeSelector so exactly one selects it",
      }),
    );
}

export function nodeConflictingClusterConfig(ctx: LintContext): Finding[] {
  const out: Finding[] = [];
  for (const n of ctx.lab.nodes) {
    const owners = selectingClusterConfigs(ctx.lab.cilium, n.labels);
    if (owners.length < 2) continue;
    const names = owners.map((o) => o.metadata.name);
    out.push(
      finding("node-conflicting-clusterconfig", "error", n.source, {
        message: `node ${n.name} (${labelText(n.labels)}) is selected by ${owners.length} CiliumBGPClusterConfigs: ${names.join(", ")}`,
        // The operator keeps the ClusterConfig that first created the node's CiliumBGPNodeConfig
        // (its owner reference; cilium/cilium operator/pkg/bgp/cluster.go, reconcileBGPClusterConfig)
        // and conditions the others. Creation order is not in the files: which one wins is unknown.
        consequence: `ambiguous: the ClusterConfig that first created the node's CiliumBGPNodeConfig keeps it (owner reference) and the other${owners.length > 2 ? "s get" : " gets"} the condition cilium.io/ConflictingClusterConfig; which was first depends on the order they were created in, which these files do not say, so ${names.join(" or ")} may apply and the other's peers are never dialled from this node`,
        fix: "make the nodeSelectors disjoint (e.g. NotIn / In on the same label)",
      }),
    );
  }
  return out;
}

export function skippedPeers(ctx: LintContext): Finding[] {
  const groups = new Map<
    string,
    { cc: string; instance: string; peer: string; reason: string; nodes: K8sNode[] }
  >();
  for (const n of ctx.lab.nodes) {
    for (const s of n.bgp?.skipped ?? []) {
      const cc = n.bgp?.clusterConfig ?? "";
      const key = `${cc}|${s.instance}|${s.peer}`;
      const g = groups.get(key) ?? { cc, instance: s.instance, peer: s.peer, reason: s.reason, nodes: [] };
      g.nodes.push(n);
      groups.set(key, g);
    }
  }
  return [...groups.values()].map((g) => {
    const owner = ctx.lab.cilium.find((m) => m.kind === "CiliumBGPClusterConfig" && m.metadata.name === g.cc);
    const missingConfig = g.reason.includes("CiliumBGPPeerConfig");
    const path = `${peerPath(owner, g.instance, g.peer)}${missingConfig ? ".peerConfigRef.name" : ""}`;
    const at = owner ? manifestPosition(owner, path) : (g.nodes[0] as K8sNode).source;
    return finding(missingConfig ? "peer-config-missing" : "cilium-peer-skipped", "error", at, {
      message: `peer ${g.peer} of ClusterConfig ${g.cc} is skipped for ${nodeList(g.nodes)}: ${g.reason}`,
      consequence: "Cilium never opens this session: the nodes' pod CIDRs are not advertised to that router",
      fix: missingConfig
        ? "create the CiliumBGPPeerConfig or correct peerConfigRef.name"
        : "give the peer a peerAddress",
    });
  });
}

export function ciliumPeerOffLan(ctx: LintContext): Finding[] {
  const groups = new Map<string, { id: string; peers: CiliumPeer[] }>();
  for (const cp of ciliumPeers(ctx)) {
    const site = ctx.lab.sites.find((s) => s.name === cp.node.site);
    if (!site || cp.router) continue;
    const onLan = ip.isIPv4(cp.peer.peerAddress) && ip.contains(site.lan, cp.peer.peerAddress);
    const id = onLan ? "cilium-peer-not-router" : "cilium-peer-off-lan";
    const key = `${id}|${cp.owner?.metadata.name}|${cp.path}|${site.name}`;
    const g = groups.get(key) ?? { id, peers: [] };
    g.peers.push(cp);
    groups.set(key, g);
  }
  return [...groups.values()].map(({ id, peers }) => {
    const first = peers[0] as CiliumPeer;
    const site = ctx.lab.sites.find((s) => s.name === first.node.site);
    const router = ctx.lab.routers.find((r) => r.site === first.node.site);
    const at = first.owner ? manifestPosition(first.owner, `${first.path}.peerAddress`) : first.node.source;
    const their = peers.length === 1 ? "its" : "their";
    const where =
      id === "cilium-peer-off-lan"
        ? `outside ${their} LAN ${site?.lan.text}`
        : `on ${their} LAN ${site?.lan.text} but not its router`;
    return finding(id, "error", at, {
      message: `${nodeList(peers.map((p) => p.node))} (site ${first.node.site}) would peer with ${first.peer.peerAddress}, ${where}`,
      consequence:
        "the speaker dials an address no BIRD answers (Cilium BGP is single-hop): the session never comes up and the pod CIDRs are not advertised",
      fix: router
        ? `peer with the site router ${router.name} at ${router.lanAddress}, or fix the ClusterConfig's nodeSelector / the node's labels`
        : "peer with the site's router",
    });
  });
}
