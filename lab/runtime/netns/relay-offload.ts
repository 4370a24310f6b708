// Lets the kernel take the receiving router's share of the relay's work off the relay's thread.
//
// The relay (lab/emulate/zerotier/relay.ts) runs on one thread, and each datagram it sends is
// received by the router inside that same send call: VXLAN decapsulation, forwarding, and the
// pod's TCP receive all run on the relay's CPU. Measured on two cores with one TCP stream across
// the sites: the relay at 95 % of a core, 300 Mbit/s, a third of the machine idle.
//
// Three settings move that work to a kernel thread the scheduler can put on another CPU:
// - GRO and rx-udp-gro-forwarding on the router's uplink: veth hands a locally sent datagram to
//   the peer's NAPI ring only when the peer can aggregate it (drivers/net/veth.c,
//   veth_skb_is_eligible_for_gro); otherwise it is received inline, on the sender's CPU.
// - threaded NAPI on that uplink (/sys/class/net/DEV/threaded, Linux 5.12): the ring is drained
//   by a napi/DEV kthread instead of the sender's softirq.
// - a FIFO qdisc on the internet side of each uplink: when the ring is full, veth stops its queue
//   and the qdisc holds the datagram (drivers/net/veth.c, "veth: apply qdisc backpressure on full
//   ptr_ring to reduce TX drops", 2025); under noqueue it is dropped. Measured without it:
//   15,000 drops and 10,000 TCP retransmits in 5 s.
// Together: 780 Mbit/s for the same stream; the relay adds 0.05 ms more per direction (the kthread's
// wake-up). Each is best effort: a kernel without one only means a slower relay, said once at `up`.
import { type RunOptions, run } from "../../util/exec.ts";
import type { NetnsPlan } from "./plan.ts";

/** As veth's default txqueuelen: enough to ride out the ring's bursts without dropping. */
export const UPLINK_QUEUE_PACKETS = 1000;

export interface OffloadTarget {
  ns: string;
  ifname: string;
}

/** The routers' uplinks (where the relay's datagrams are received) and their internet-side
 * peers (where they are sent from). */
export function offloadTargets(plan: NetnsPlan): { receivers: OffloadTarget[]; senders: OffloadTarget[] } {
  const receivers = plan.vxlans.map((v) => ({ ns: v.ns, ifname: v.dev }));
  const senders: OffloadTarget[] = [];
  for (const link of plan.links)
    for (const [here, there] of [
      [link.a, link.b],
      [link.b, link.a],
    ] as const)
      if (here.ns === plan.relay.ns && receivers.some((r) => r.ns === there.ns && r.ifname === there.ifname))
        senders.push({ ns: here.ns, ifname: here.ifname });
  return { receivers, senders };
}

/** The shell words that set up one receiving uplink; one process per router. `ip netns exec`
 * mounts the namespace's /sys read-only where the original is (a runner container's): that
 * private mount is remounted writable first. */
export function receiverCommand(ifname: string): string[] {
  const threaded = `/sys/class/net/${ifname}/threaded`;
  return [
    "sh",
    "-c",
    `ethtool -K ${ifname} gro on rx-udp-gro-forwarding on && { [ -w ${threaded} ] || mount -o remount,rw /sys; } && echo 1 > ${threaded}`,
  ];
}

/** tc batch lines for the internet side of the uplinks. */
export function senderQdiscLines(senders: OffloadTarget[]): string[] {
  return senders.map((s) => `qdisc replace dev ${s.ifname} root pfifo limit ${UPLINK_QUEUE_PACKETS}`);
}

/** Applies all three; returns what could not be set (empty when all was), never throws. */
export async function offloadRelayPath(plan: NetnsPlan): Promise<string[]> {
  const { receivers, senders } = offloadTargets(plan);
  const byNs = new Map<string, OffloadTarget[]>();
  for (const s of senders) byNs.set(s.ns, [...(byNs.get(s.ns) ?? []), s]);
  const problems = await Promise.all([
    ...receivers.map((r) => attempt(`${r.ns} ${r.ifname}`, receiverCommand(r.ifname), { netns: r.ns })),
    ...[...byNs].map(([ns, list]) =>
      attempt(`${ns} qdisc`, ["tc", "-n", ns, "-batch", "-"], {
        input: `${senderQdiscLines(list).join("\n")}\n`,
      }),
    ),
  ]);
  return problems.filter((p): p is string => p !== null);
}

async function attempt(what: string, argv: string[], opts: RunOptions): Promise<string | null> {
  try {
    const out = await run(argv, { ...opts, allowFailure: true });
    return out.code === 0 ? null : `${what}: ${firstLine(out.stderr)}`;
  } catch (err) {
    return `${what}: ${err instanceof Error ? firstLine(err.message) : String(err)}`;
  }
}

function firstLine(text: string): string {
  return text.trim().split("\n")[0] || "failed without a message";
}
