// What "converged" means for a netns lab, as the seed's own verification steps: every BGP
// session Established, every advertised pod CIDR in every router's FIB with the expected next
// hop, a pod reaching pods on other sites, and the control plane reaching remote kubelets.
import { originatedPrefixes } from "../../cilium/node-bgp.ts";
import type { Lab } from "../../topology/model.ts";
import type { WorkPaths } from "../workdir.ts";
import { fibRoutes, httpGet, nodeSessions, ping, routerProtocols } from "./observe.ts";
import { nsName } from "./plan.ts";

export interface ExpectedRoute {
  router: string;
  prefix: string;
  via: string;
  node: string;
}

/** A pod CIDR is reached directly from its own site's router, and via the owning site's router's ZeroTier address elsewhere. */
export function expectedRoutes(lab: Lab): ExpectedRoute[] {
  const out: ExpectedRoute[] = [];
  for (const router of lab.routers) {
    for (const node of lab.nodes) {
      const owner = lab.routers.find((r) => r.site === node.site);
      if (!owner) continue;
      for (const prefix of originatedPrefixes(node.bgp)) {
        out.push({
          router: router.name,
          prefix,
          node: node.name,
          via: owner.name === router.name ? node.address : owner.zerotierAddress,
        });
      }
    }
  }
  return out;
}

export interface CheckResult {
  name: string;
  ok: boolean;
  /** What is wrong, one line per problem. */
  problems: string[];
}

/** Neighbors the lab knows: the other routers' ZeroTier addresses and the nodes. */
function knownNeighbors(lab: Lab): Set<string> {
  return new Set([...lab.routers.map((r) => r.zerotierAddress), ...lab.nodes.map((n) => n.address)]);
}

export async function checkSessions(lab: Lab, paths: WorkPaths): Promise<CheckResult> {
  const problems: string[] = [];
  const known = knownNeighbors(lab);
  const routers = await Promise.all(
    lab.routers.map((r) => routerProtocols(r.name, paths.birdSocket(r.name))),
  );
  for (const r of routers) {
    if (!r.reachable) {
      problems.push(`${r.router}: BIRD does not answer (${r.error})`);
      continue;
    }
    for (const p of r.protocols.filter((x) => x.proto === "BGP")) {
      if (p.neighborAddress && !known.has(p.neighborAddress)) continue;
      if (p.info !== "Established") {
        const err = p.lastError ? `, last error: ${p.lastError}` : "";
        const detail = p.infoDetail ? ` (${p.infoDetail})` : "";
        problems.push(
          `${r.router}: protocol ${p.name} to ${p.neighborAddress ?? "?"} is ${p.state}/${p.info || "?"}${detail}${err}`,
        );
      }
    }
  }
  for (const n of await nodeSessions(lab)) {
    if (!n.reachable) {
      problems.push(`${n.node}: gobgpd does not answer (${n.error})`);
      continue;
    }
    for (const nb of n.neighbors) {
      if (nb.state !== "established")
        problems.push(`${n.node}: session to ${nb.address} (AS ${nb.peerAs}) is ${nb.state}`);
    }
  }
  return { name: "BGP sessions Established", ok: problems.length === 0, problems };
}

export async function checkRoutes(lab: Lab): Promise<CheckResult> {
  const problems: string[] = [];
  const expected = expectedRoutes(lab);
  const fibs = new Map(
    await Promise.all(
      lab.routers.map(async (r) => [r.name, await fibRoutes(nsName(lab.name, r.name))] as const),
    ),
  );
  for (const e of expected) {
    const got = (fibs.get(e.router) ?? []).find((x) => x.dst === e.prefix);
    if (!got)
      problems.push(`${e.router}: ${e.prefix} (${e.node}) missing from the FIB, expected via ${e.via}`);
    else if (got.gateway !== e.via)
      problems.push(`${e.router}: ${e.prefix} via ${got.gateway ?? got.dev}, expected via ${e.via}`);
  }
  return { name: "pod CIDRs in router FIBs", ok: problems.length === 0, problems };
}

/** Pod pairs across sites: the control-plane node's first pod to the first pod of every node at another site. */
export function crossSitePodPairs(lab: Lab): { from: string; to: string; toAddress: string }[] {
  const cp = lab.nodes.find((n) => n.role === "control-plane");
  const src = cp?.pods[0];
  if (!cp || !src) return [];
  return lab.nodes
    .filter((n) => n.site !== cp.site && n.pods[0])
    .map((n) => ({
      from: src.name,
      to: (n.pods[0] as { name: string }).name,
      toAddress: (n.pods[0] as { address: string }).address,
    }));
}

export async function checkPodPing(lab: Lab): Promise<CheckResult> {
  const problems: string[] = [];
  for (const p of crossSitePodPairs(lab)) {
    const r = await ping(nsName(lab.name, p.from), p.toAddress, { count: 3, intervalS: 0.2 });
    if (r.received !== r.sent)
      problems.push(`pod ${p.from} -> ${p.to} (${p.toAddress}): ${r.received}/${r.sent} replies`);
  }
  return { name: "cross-site pod ping", ok: problems.length === 0, problems };
}

export async function checkKubelets(lab: Lab): Promise<CheckResult> {
  const problems: string[] = [];
  const cp = lab.nodes.find((n) => n.role === "control-plane");
  if (cp) {
    for (const n of lab.nodes.filter((x) => x.site !== cp.site)) {
      const r = await httpGet(nsName(lab.name, cp.name), n.address, 10250, "/stats/summary");
      if (!r.ok || !r.body.includes(`"${n.name}"`))
        problems.push(`${cp.name} -> ${n.name} ${n.address}:10250: ${r.error ?? "unexpected answer"}`);
    }
  }
  return { name: "control plane reaches remote kubelets", ok: problems.length === 0, problems };
}

/** The checks in the order they become true; each is cheap enough to poll. */
export const CONVERGENCE_CHECKS = [
  { name: "sessions", run: checkSessions },
  { name: "routes", run: (lab: Lab) => checkRoutes(lab) },
  { name: "ping", run: (lab: Lab) => checkPodPing(lab) },
  { name: "kubelet", run: (lab: Lab) => checkKubelets(lab) },
] as const;
