// Fidelity notes: where each runtime is less faithful than the two real sites, and what the
// clab runtime checks at run time so a result is never silently off.
//
// netns runtime (default)
//   - Cilium is emulated: gobgpd configured the way the agent configures its embedded GoBGP from
//     the CRDs (resolved once, at `up`; a CRD changed later is not reconciled). No agent, no eBPF
//     datapath, no kube-proxy or Services. `make deps` fetches gobgpd 3.36, which dials 1-2 s after
//     start like the GoBGP current Cilium pins (osrg/gobgp v3.37, cilium/cilium go.mod); the
//     system's 3.10, used without it, 5-10 s (docs/facts.md). An agent restart is gobgpd killed
//     (no Cease, as the agent since cilium/cilium PR 39835) and started after a fixed boot time.
//   - The kubelet is a small HTTP listener: "kubectl top node yuuko-k8s works" is reduced to the
//     control-plane namespace reaching <node>:10250. There is no API server.
//   - Pods are namespaces with the topology's static addresses; pod CIDRs are the topology's.
//   - ZeroTier is a VXLAN through a userspace relay: impairments are explicit; it fragments and
//     falls back to an emulated root after 243 s as ZeroTier does, but has no real path discovery.
//
// clab runtime (full fidelity: real BIRD images, real Kubernetes, real Cilium)
//   - kind and k3d nodes are containers on a shared docker network (`kind`, or k3d's). The
//     kubelets and Cilium agents reach the API server over it, and images are pulled over it:
//     that traffic never crosses the routers or the ZeroTier link, so a WAN outage does not make
//     the remote node NotReady nor cut its agent's API watch, as it would between the real sites.
//     Not prevented (the cluster would not start without it); reported as a warning on every up.
//   - API server -> kubelet traffic (exec, logs, proxy, `kubectl top`) goes to the node's
//     InternalIP. The kind/k3d configs set it to the LAN address (node-ip), and the topology routes
//     the other sites' LANs via the site router, so it does cross the emulated WAN. Checked at
//     run time, warned when not so: every node's InternalIP must be its topology address, and
//     `ip route get <remote node>` in the control-plane container must leave through the site
//     router's LAN address on the LAN interface (not through the docker network).
//   - Pod CIDRs are allocated per node by the controller manager in join order, not taken from
//     the topology: checks use the real allocation (Node.spec.podCIDRs); a difference is warned,
//     and scenarios translate (lab/scenario/pod-cidrs.ts): their files, metrics and reports keep
//     the topology's prefixes.
//   - Test pod addresses come from Cilium's IPAM, not from the topology.
//   - kind runs kubeadm's Kubernetes, not k3s (k3d does, with a bpffs mount workaround).
//   - The ZeroTier link is a plain veth (MTU 2800): no UDP encapsulation, fragments, or direct
//     and relayed paths (direct-down/direct-up and restart are refused, with why). The topology's
//     zerotier.paths are netem on each router's zt0 egress, applied by up and returned to by
//     reset (one figure per router: a site whose paths differ is warned); other impairments
//     are netem too (containerlab tools netem, egress only: impair both ends).
//   - Each node keeps its default route on the docker network; only the pod CIDR and the other
//     sites' LANs go via its site router (at the real sites the router is the default gateway).
//   Scenarios (lab/scenario/drivers/clab.ts) run unchanged, with these differences:
//   - "speaker kill/stop" deletes the node's Cilium agent pod (grace 0, or graceful); the
//     DaemonSet replaces it at once, so the speaker is back when Kubernetes says, not when the
//     scenario's "start" step comes (that step waits until the new agent is Ready).
//   - Node sessions are polled from the agents (`cilium-dbg bgp peers`, 1 s): their times carry
//     up to a second of error, where gobgpd's event stream is exact. BIRD's log, netlink route
//     events and probes are as exact as in the netns runtime.
//   - netem jitter reorders packets (the relay keeps order unless asked); bursty loss and
//     duplication use tc netem directly, containerlab's netem flags lack them.
//   - A node joining or leaving is refused: containerlab cannot wire a container into a
//     deployed topology, and kind cannot join one to a running cluster.
//   - Probes enter pods' network namespaces from the host (nsenter, found by the pod's address),
//     so they use the host's fping and ping, as the netns runtime does.
// Both runtimes share one kernel: timers are real, but CPU contention is not a site's.

import { NODE_LAN_IF } from "../../render/clab.ts";
import { clusterMembers } from "../../render/k8s-cluster.ts";
import type { ClabProbe, KubeNode } from "./observe.ts";
import { parseRouteGet } from "./observe.ts";

/** True for every up: the shared docker network carries the control traffic named above. */
export function sharedNetworkNote(k8s: "kind" | "k3d"): string {
  return `${k8s} nodes share the docker network ${k8s === "kind" ? '"kind"' : "of the k3d cluster"}: kubelet and Cilium agent traffic to the API server (and image pulls) bypasses the routers and the ZeroTier link, so a WAN outage does not make remote nodes NotReady as it would between the real sites`;
}

/** What the running cluster shows that makes it less faithful than the topology says. */
export async function fidelityWarnings(probe: ClabProbe, nodes: KubeNode[]): Promise<string[]> {
  const { lab } = probe;
  const { k8s, cluster } = probe.control;
  const warnings: string[] = [sharedNetworkNote(k8s)];
  const members = clusterMembers(lab, k8s, cluster);
  const byName = new Map(nodes.map((n) => [n.name, n]));
  for (const m of members) {
    const kn = byName.get(m.container);
    if (!kn) {
      warnings.push(`${m.node.name}: no Kubernetes node ${m.container}`);
      continue;
    }
    if (!kn.internalIps.includes(m.node.address))
      warnings.push(
        `${m.node.name} (${m.container}) registered InternalIP ${kn.internalIps.join(", ") || "none"}, not its LAN address ${m.node.address}: API server -> kubelet traffic to it uses the docker network, not the routers`,
      );
    const topo = m.node.podCidr.text;
    if (kn.podCidrs.length && !kn.podCidrs.includes(topo))
      warnings.push(
        `${m.node.name} was allocated pod CIDR ${kn.podCidrs.join(", ")}, the topology says ${topo}: routes and pings use the allocated one`,
      );
  }
  const cp = members.find((m) => m.role === "control-plane");
  const gateway = cp && lab.routers.find((r) => r.site === cp.node.site)?.lanAddress;
  if (cp && gateway) {
    for (const m of members.filter((x) => x.node.site !== cp.node.site)) {
      const r = await probe.control
        .exec(cp.node.name, ["ip", "route", "get", m.node.address])
        .catch((err: Error) => err);
      if (r instanceof Error || r.exitCode !== 0) {
        warnings.push(
          `cannot tell how ${cp.container} reaches ${m.node.name} (${m.node.address}): ${r instanceof Error ? r.message : r.stderr.trim()}`,
        );
        continue;
      }
      const got = parseRouteGet(r.stdout);
      if (got.gateway !== gateway || got.dev !== NODE_LAN_IF)
        warnings.push(
          `${cp.container} reaches ${m.node.name} (${m.node.address}) via ${got.gateway ?? "a direct route"} dev ${got.dev ?? "?"}, not via its site router ${gateway} dev ${NODE_LAN_IF}: API server -> kubelet traffic bypasses the emulated WAN`,
        );
    }
  }
  return warnings;
}
