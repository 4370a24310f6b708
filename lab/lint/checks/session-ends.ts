// Every BGP session needs both ends: a BIRD protocol's neighbor must be the other router (by its
// ZeroTier address) or a node of the router's site that dials it, and each side's idea of the
// other's ASN must be the other's own local ASN. Each mistake is reported where it is written.
import type { Router, SourceRef } from "../../topology/model.ts";
import { manifestPosition } from "../../topology/positions.ts";
import type { LintContext } from "../context.ts";
import { type Finding, finding } from "../finding.ts";
import { birdSessions, type CiliumPeer, ciliumPeers, nodeList, protocolsTo } from "../sessions.ts";

const NEVER_UP = "the session never reaches Established and no routes cross it";

export function unknownNeighbor(ctx: LintContext): Finding[] {
  return birdSessions(ctx).flatMap((s) =>
    s.far.kind === "unknown" && s.bgp.neighborAddress
      ? [
          finding("bgp-unknown-neighbor", "error", s.bgp.neighborAddress.at, {
            message: `BGP protocol ${s.protocol.name} of ${s.router.name}: ${s.far.why}`,
            consequence: `nobody answers at ${s.bgp.neighborAddress.value}, so ${NEVER_UP}`,
            fix: "use the other router's ZeroTier address or the address of a node on this router's LAN",
          }),
        ]
      : [],
  );
}

/** Router <-> router: the far router needs a protocol back, with ASNs that agree. */
export function routerSessionEnds(ctx: LintContext): Finding[] {
  const sessions = birdSessions(ctx);
  const out: Finding[] = [];
  for (const s of sessions) {
    if (s.far.kind !== "router" || !s.bgp.neighborAddress) continue;
    const far = s.far.router;
    const back = protocolsTo(sessions, far, s.router.zerotierAddress);
    if (ctx.bird.has(far.name) && back.length === 0) {
      out.push(
        finding("router-session-one-sided", "error", s.bgp.neighborAddress.at, {
          message: `${s.router.name} peers with ${far.name} (${far.zerotierAddress}) in protocol ${s.protocol.name}, but ${far.name}'s bird.conf has no BGP protocol with neighbor ${s.router.zerotierAddress}`,
          consequence: `${far.name} refuses the connection from an unknown peer, so ${NEVER_UP}`,
          fix: `add \`protocol bgp { local as ${far.asn}; neighbor ${s.router.zerotierAddress} as ${s.router.asn}; ipv4 { import all; export all; }; }\` to ${far.name}`,
        }),
      );
    }
    // The far end's own local ASN: its matching protocol's, else the topology's.
    const farAs = back[0]?.bgp.localAs?.value ?? far.asn;
    out.push(
      ...asnMismatch(s.bgp.neighborAs, farAs, `${s.router.name}'s protocol ${s.protocol.name}`, far.name),
    );
  }
  return out;
}

function asnMismatch(
  written: { value: number | null; at: SourceRef } | null,
  actual: number,
  who: string,
  farName: string,
): Finding[] {
  if (!written || written.value === null || written.value === actual) return [];
  return [
    finding("bgp-peer-asn-mismatch", "error", written.at, {
      message: `${who} expects ${farName} in AS ${written.value}, but ${farName} speaks AS ${actual}`,
      consequence: `the OPEN is rejected with \`Bad peer AS\`, so ${NEVER_UP}`,
      fix: `set the peer AS to ${actual}`,
    }),
  ];
}

/** Router -> node: the node must dial this router (Cilium only dials out) with a matching ASN. */
export function birdNodeSessionEnds(ctx: LintContext): Finding[] {
  const peers = ciliumPeers(ctx);
  const out: Finding[] = [];
  for (const s of birdSessions(ctx)) {
    if (s.far.kind !== "node" || !s.bgp.neighborAddress) continue;
    const node = s.far.node;
    const dial = peers.filter((p) => p.node === node && p.router === s.router);
    if (dial.length === 0) {
      out.push(
        finding("bird-session-without-cilium-peer", "error", s.bgp.neighborAddress.at, {
          message: `${s.router.name}'s protocol ${s.protocol.name} expects node ${node.name}, but no CiliumBGPClusterConfig makes ${node.name} peer with ${s.router.lanAddress}`,
          consequence: `Cilium does not listen, so BIRD's connects to ${node.address} are refused and ${NEVER_UP}`,
          fix: `select ${node.name} with a ClusterConfig whose peer is ${s.router.lanAddress} (AS ${s.router.asn}), or remove the protocol`,
        }),
      );
      continue;
    }
    const localASN = (dial[0] as CiliumPeer).instance.localASN;
    out.push(
      ...asnMismatch(s.bgp.neighborAs, localASN, `${s.router.name}'s protocol ${s.protocol.name}`, node.name),
    );
  }
  return out;
}

/** Node -> router: the router needs a protocol for the node, and the node's peerASN must match it. */
export function ciliumPeerSessionEnds(ctx: LintContext): Finding[] {
  const sessions = birdSessions(ctx);
  const out: Finding[] = [];
  // One finding per ClusterConfig peer entry, listing the nodes it affects.
  const groups = new Map<string, { router: Router; peers: CiliumPeer[] }>();
  for (const cp of ciliumPeers(ctx)) {
    if (!cp.router || !ctx.bird.has(cp.router.name)) continue;
    const key = `${cp.owner?.metadata.name}|${cp.path}`;
    const g = groups.get(key) ?? { router: cp.router, peers: [] };
    g.peers.push(cp);
    groups.set(key, g);
  }
  for (const { router, peers } of groups.values()) {
    const first = peers[0] as CiliumPeer;
    const at = (field: string) =>
      first.owner ? manifestPosition(first.owner, `${first.path}.${field}`) : first.node.source;
    const missing = peers.filter((cp) => protocolsTo(sessions, router, cp.node.address).length === 0);
    if (missing.length) {
      out.push(
        finding("cilium-peer-without-bird-session", "error", at("peerAddress"), {
          message: `${nodeList(missing.map((m) => m.node))} ${missing.length === 1 ? "dials" : "dial"} ${router.name} (${router.lanAddress}) but its bird.conf has no BGP protocol with ${missing.length === 1 ? "that neighbor" : "those neighbors"} (${missing.map((m) => m.node.address).join(", ")})`,
          consequence: `BIRD rejects connections from unknown peers, so ${NEVER_UP}: the pod CIDR is never advertised`,
          fix: `add \`protocol bgp NAME from TEMPLATE { neighbor ADDRESS as ${first.instance.localASN}; }\` per node to ${router.name}`,
        }),
      );
    }
    const wrong = peers.filter((cp) => {
      const local = protocolsTo(sessions, router, cp.node.address)[0]?.bgp.localAs?.value;
      return local != null && cp.peer.peerASN !== local;
    });
    if (wrong.length) {
      const local = protocolsTo(sessions, router, (wrong[0] as CiliumPeer).node.address)[0]?.bgp.localAs
        ?.value as number;
      out.push(
        finding("bgp-peer-asn-mismatch", "error", at("peerASN"), {
          message: `peerASN ${first.peer.peerASN} of ${nodeList(wrong.map((w) => w.node))} does not match ${router.name}'s local as ${local} in its bird.conf`,
          consequence: `the OPEN is rejected with \`Bad peer AS\`, so ${NEVER_UP}`,
          fix: `set peerASN: ${local}`,
        }),
      );
    }
  }
  return out;
}

/** The topology's router ASN must be what its bird.conf says (the lab and Cilium use the topology's). */
export function routerAsnMismatch(ctx: LintContext): Finding[] {
  const out: Finding[] = [];
  for (const r of ctx.lab.routers) {
    const conf = ctx.bird.get(r.name);
    if (!conf) continue;
    // One finding per `local as` statement, however many protocols inherit it.
    const byPlace = new Map<string, { at: SourceRef; value: number; protocols: string[] }>();
    for (const p of conf.protocols) {
      const l = p.bgp?.localAs;
      if (!l || l.value === null || l.value === r.asn) continue;
      const key = `${l.at.file}:${l.at.line}:${l.at.col}`;
      const e = byPlace.get(key) ?? { at: l.at, value: l.value, protocols: [] };
      e.protocols.push(p.name);
      byPlace.set(key, e);
    }
    for (const e of byPlace.values()) {
      out.push(
        finding("router-asn-mismatch", "error", e.at, {
          message: `local as ${e.value} (protocols ${e.protocols.join(", ")}) differs from ${r.name}'s asn ${r.asn} in the topology`,
          consequence:
            "peers configured from the topology expect the other ASN and reject the OPEN with `Bad peer AS`",
          fix: `make the topology's asn and bird.conf's \`local as\` the same (${r.asn} or ${e.value})`,
        }),
      );
    }
  }
  return out;
}
