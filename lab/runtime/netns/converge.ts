// What "converged" means for a netns lab, as the seed's own verification steps: every BGP
// session Established, every advertised pod CIDR in every router's FIB with the expected next
// hop, a pod reaching pods on other sites, and the control plane reaching remote kubelets.
import type { Lab } from "../../topology/model.ts";
import { type ConvergenceCheck, crossSitePodPairs, expectedRoutes, knownNeighbors } from "../convergence.ts";
import type { CheckResult } from "../runtime.ts";
import type { WorkPaths } from "../workdir.ts";
import { fibRoutes, httpGet, nodeSessions, ping, routerProtocols } from "./observe.ts";
import { nsName } from "./plan.ts";

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

/** The checks in the order they become true, bound to a lab; each is cheap enough to poll. */
export function netnsChecks(lab: Lab, paths: WorkPaths): ConvergenceCheck[] {
  return [
    { name: "sessions", run: () => checkSessions(lab, paths) },
    { name: "routes", run: () => checkRoutes(lab) },
    { name: "ping", run: () => checkPodPing(lab) },
    { name: "kubelet", run: () => checkKubelets(lab) },
  ];
}
