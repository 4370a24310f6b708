// The guards every lab of this design must satisfy, checked on a snapshot: pod CIDRs reachable
// from every site, each announced only by its own node, no default route or pod supernet handed to
// a node, nothing but pod CIDRs accepted from nodes, every session Established.
import type { Snapshot } from "../snapshot/model.ts";
import { containsCidr, parseCidr } from "../topology/ipv4.ts";
import type { Lab } from "../topology/model.ts";
import type { GuardResult } from "./model.ts";

const guard = (name: string, problems: string[]): GuardResult => ({
  name: `builtin: ${name}`,
  ok: problems.length === 0,
  problems,
});

/** Every node's pod CIDR is in every router's FIB, and some pod at every other site reaches it. */
export function podCidrsReachable(s: Snapshot, lab: Lab): GuardResult {
  const problems: string[] = [];
  const siteOf = new Map(lab.nodes.map((n) => [n.name, n.site]));
  for (const n of s.nodes) {
    for (const cidr of n.podCidrs)
      for (const r of s.routers)
        if (!r.error && !r.fib.some((f) => f.dst === cidr))
          problems.push(`${cidr} (${n.node}) is not in ${r.router}'s FIB`);
    for (const site of lab.sites) {
      const pairs = s.reachability.filter((p) => p.toNode === n.node && siteOf.get(p.fromNode) === site.name);
      if (pairs.length && !pairs.some((p) => p.icmp && p.tcp))
        problems.push(
          `no pod at site ${site.name} reaches ${n.node}'s pods (${pairs.map((p) => p.from).join(", ")})`,
        );
    }
  }
  return guard("every pod CIDR reachable from every site", problems);
}

/** A pod CIDR accepted from any node but its owner is a hijack (or a copy-paste error). */
export function podCidrOwnership(s: Snapshot): GuardResult {
  const owner = new Map(s.nodes.flatMap((n) => n.podCidrs.map((c) => [c, n.node] as const)));
  const problems = s.nodes.flatMap((n) =>
    n.advertises
      .filter((p) => owner.has(p) && owner.get(p) !== n.node)
      .map((p) => `${n.node} announces ${p}, the pod CIDR of ${owner.get(p)}`),
  );
  return guard("each pod CIDR announced only by its own node", problems);
}

/** A default route or a supernet of the pod range would pull pod traffic the wrong way. */
export function noDefaultOrSupernetToNodes(s: Snapshot, lab: Lab): GuardResult {
  const pods = lab.cluster.podCidr;
  const problems = s.nodes.flatMap((n) =>
    n.receives
      .filter((p) => {
        const c = parseCidr(p);
        return (
          p === "0.0.0.0/0" || (c !== null && c.prefixLength <= pods.prefixLength && containsCidr(c, pods))
        );
      })
      .map(
        (p) =>
          `${n.node} is sent ${p}${p === "0.0.0.0/0" ? " (a default route)" : ` (covers the pod range ${pods.text})`}`,
      ),
  );
  return guard("no default route or pod supernet learned by a node", problems);
}

export function onlyPodCidrsFromNodes(s: Snapshot): GuardResult {
  const problems = s.nodes.flatMap((n) =>
    n.advertises
      .filter((p) => !n.podCidrs.includes(p))
      .map((p) => `${p} is accepted from ${n.node}, not its pod CIDR`),
  );
  return guard("no route learned from a node other than its pod CIDR", problems);
}

export function sessionsEstablished(s: Snapshot): GuardResult {
  const problems = [
    ...s.routers.flatMap((r) =>
      r.error
        ? [`${r.router}: BIRD not answering (${r.error})`]
        : r.sessions
            .filter((x) => x.state !== "Established")
            .map((x) => `${r.router}: ${x.protocol} to ${x.peer ?? "?"} is ${x.state}`),
    ),
    ...s.nodes.flatMap((n) =>
      n.error
        ? [`${n.node}: speaker not answering (${n.error})`]
        : n.sessions
            .filter((x) => x.state !== "established")
            .map((x) => `${n.node}: session to ${x.peer} is ${x.state}`),
    ),
  ];
  return guard("every session Established", problems);
}

export function builtinGuards(s: Snapshot, lab: Lab): GuardResult[] {
  return [
    podCidrsReachable(s, lab),
    podCidrOwnership(s),
    noDefaultOrSupernetToNodes(s, lab),
    onlyPodCidrsFromNodes(s),
    sessionsEstablished(s),
  ];
}
