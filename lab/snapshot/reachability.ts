// The reachability matrix: from the first pod of every node to the first pod of every other node,
// one bounded ICMP probe (2 echo requests) and one TCP connect each. Pods run no listener, so a
// refused connect counts as reachable: the SYN got there and the RST came back; only a timeout or
// an unreachable network is "not reachable".
import { ping } from "../observe/probes.ts";
import { tcpConnect } from "../observe/tcp-connect.ts";
import type { LabHandle } from "../runtime/kind.ts";
import type { Lab } from "../topology/model.ts";
import { mapLimit } from "../util/concurrency.ts";
import type { ReachabilityPair } from "./model.ts";

/** A port nothing listens on in a pod (the lab's pods are bare namespaces). */
export const PROBE_PORT = 80;
const TCP_TIMEOUT_MS = 2000;
/** Probes in flight: mostly waiting, but every one is a process on a 2-core machine. */
const PARALLEL = 6;

export function podPairs(lab: Lab): Omit<ReachabilityPair, "icmp" | "tcp">[] {
  const firsts = lab.nodes.flatMap((n) => (n.pods[0] ? [{ node: n.name, pod: n.pods[0].name }] : []));
  return firsts.flatMap((a) =>
    firsts
      .filter((b) => b.node !== a.node)
      .map((b) => ({ from: a.pod, to: b.pod, fromNode: a.node, toNode: b.node })),
  );
}

/** Bash's reasons for a TCP connect that got an answer (the peer's stack replied). */
const ANSWERED = /refused/i;

export async function readReachability(h: LabHandle): Promise<ReachabilityPair[]> {
  return mapLimit(podPairs(h.lab), PARALLEL, async (p) => {
    const where = await h.enter(p.from);
    const address = await h.addressOf(p.to);
    const [icmp, tcp] = await Promise.all([
      ping(where, address, { count: 2, intervalS: 0.2 }),
      tcpConnect(where, address, PROBE_PORT, TCP_TIMEOUT_MS),
    ]);
    return { ...p, icmp: icmp.received > 0, tcp: tcp.ok || ANSWERED.test(tcp.error ?? "") };
  });
}
