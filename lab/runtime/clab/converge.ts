// What "converged" means for a clab lab: the netns runtime's four checks, in the same order and
// under the same names, read from real components instead of emulations:
//   1. BGP sessions Established: `birdc show protocols all` in each router container, and
//      `cilium bgp peers` on the Cilium side when the CLI exists;
//   2. pod CIDRs in router FIBs: `ip -j -4 route show` in each router container, against the
//      pod CIDRs the cluster really allocated (Node.spec.podCIDRs);
//   3. cross-site pod ping: `kubectl exec` in a control-plane test pod, pinging a test pod on
//      every node of another site (crossSitePodPairs);
//   4. control plane reaches remote kubelets: the API server proxies to each remote kubelet
//      (`kubectl get --raw /api/v1/nodes/<node>/proxy/healthz`), and `kubectl top node` when
//      metrics-server is installed (k3s ships it; kind does not).
import { parseProtocols } from "../../bird/protocols.ts";
import { originatedPrefixes } from "../../cilium/node-bgp.ts";
import { clusterMembers } from "../../render/k8s-cluster.ts";
import type { Lab } from "../../topology/model.ts";
import {
  type ConvergenceCheck,
  checkAll,
  crossSitePodPairs,
  type ExpectedRoute,
  expectedRoutesWith as expectedFor,
  knownNeighbors,
} from "../convergence.ts";
import type { CheckResult } from "../runtime.ts";
import {
  type ClabProbe,
  ciliumPeers,
  type KubeNode,
  kubeNodes,
  parsePingSummary,
  routerFib,
  testPods,
} from "./observe.ts";
import { kubectl } from "./plan.ts";
import { testPodNamespace } from "./test-pods.ts";

/** Topology node name -> the pod CIDRs its Kubernetes node was allocated. */
export function allocatedPodCidrs(
  probe: Pick<ClabProbe, "control">,
  nodes: KubeNode[],
): Map<string, string[]> {
  const { lab, k8s, cluster } = probe.control;
  const byK8sName = new Map(nodes.map((n) => [n.name, n]));
  const out = new Map<string, string[]>();
  for (const m of clusterMembers(lab, k8s, cluster)) {
    const kn = byK8sName.get(m.container);
    if (kn) out.set(m.node.name, kn.podCidrs);
  }
  return out;
}

/**
 * expectedRoutes (netns) with the cluster's real allocation: a node that advertises its pod
 * CIDR (a PodCIDR advertisement selects it) is expected with each CIDR it was allocated, directly
 * via the node on its own site's router, via the owning router's ZeroTier address elsewhere.
 */
export function expectedRoutesWith(lab: Lab, podCidrs: Map<string, string[]>): ExpectedRoute[] {
  return expectedFor(lab, (node) =>
    originatedPrefixes(node.bgp).length ? (podCidrs.get(node.name) ?? []) : [],
  );
}

export async function checkSessions(probe: ClabProbe): Promise<CheckResult> {
  const { lab } = probe;
  const problems: string[] = [];
  const known = knownNeighbors(lab);
  for (const r of lab.routers) {
    const out = await probe.control.birdc(r.name, ["show", "protocols", "all"]).catch((err: Error) => err);
    if (out instanceof Error || out.exitCode !== 0) {
      const why = out instanceof Error ? out.message : out.stderr.trim() || out.stdout.trim();
      problems.push(`${r.name}: BIRD does not answer (${why})`);
      continue;
    }
    for (const p of parseProtocols(out.stdout).filter((x) => x.proto === "BGP")) {
      if (p.neighborAddress && !known.has(p.neighborAddress)) continue;
      if (p.info !== "Established") {
        const err = p.lastError ? `, last error: ${p.lastError}` : "";
        const detail = p.infoDetail ? ` (${p.infoDetail})` : "";
        problems.push(
          `${r.name}: protocol ${p.name} to ${p.neighborAddress ?? "?"} is ${p.state}/${p.info || "?"}${detail}${err}`,
        );
      }
    }
  }
  if (probe.hasCiliumCli) {
    const peers = await ciliumPeers(probe).catch((err: Error) => err);
    if (peers instanceof Error) problems.push(`cilium bgp peers failed: ${peers.message}`);
    else {
      const members = clusterMembers(lab, probe.control.k8s, probe.control.cluster);
      for (const m of members.filter((x) => x.node.bgp !== null)) {
        const mine = peers.filter((p) => p.node === m.container);
        if (mine.length === 0) problems.push(`${m.node.name}: Cilium reports no BGP peer`);
        for (const p of mine)
          if (p.state !== "established")
            problems.push(`${m.node.name}: session to ${p.peerAddress} (AS ${p.peerAsn}) is ${p.state}`);
      }
    }
  }
  return { name: "BGP sessions Established", ok: problems.length === 0, problems };
}

export async function checkRoutes(probe: ClabProbe): Promise<CheckResult> {
  const { lab } = probe;
  const problems: string[] = [];
  const expected = expectedRoutesWith(lab, allocatedPodCidrs(probe, await kubeNodes(probe)));
  if (expected.length === 0) problems.push("no node has been allocated a pod CIDR yet");
  const fibs = new Map<string, Awaited<ReturnType<typeof routerFib>>>();
  for (const r of lab.routers) {
    try {
      fibs.set(r.name, await routerFib(probe, r.name));
    } catch (err) {
      problems.push(`${r.name}: ${(err as Error).message}`);
    }
  }
  for (const e of expected) {
    const fib = fibs.get(e.router);
    if (!fib) continue;
    const got = fib.find((x) => x.dst === e.prefix);
    if (!got)
      problems.push(`${e.router}: ${e.prefix} (${e.node}) missing from the FIB, expected via ${e.via}`);
    else if (got.gateway !== e.via)
      problems.push(`${e.router}: ${e.prefix} via ${got.gateway ?? got.dev}, expected via ${e.via}`);
  }
  return { name: "pod CIDRs in router FIBs", ok: problems.length === 0, problems };
}

export async function checkPodPing(probe: ClabProbe): Promise<CheckResult> {
  const problems: string[] = [];
  const pods = new Map((await testPods(probe)).map((p) => [p.name, p]));
  const ns = testPodNamespace(probe.lab);
  for (const pair of crossSitePodPairs(probe.lab)) {
    const from = pods.get(pair.from);
    const to = pods.get(pair.to);
    const why = !from
      ? `${pair.from} missing`
      : from.phase !== "Running"
        ? `${pair.from} is ${from.phase}`
        : `${pair.to} has no IP yet`;
    if (from?.phase !== "Running" || !to?.ip) {
      problems.push(`pod ${pair.from} -> ${pair.to}: ${why}`);
      continue;
    }
    const r = await probe.tools.run({
      argv: kubectl(
        probe.paths,
        "exec",
        "--namespace",
        ns,
        pair.from,
        "--",
        "ping",
        "-c",
        "3",
        "-W",
        "1",
        to.ip,
      ),
      timeoutMs: 20_000,
      allowFailure: true,
    });
    const count = parsePingSummary(r.stdout);
    if (!count || count.received !== count.sent)
      problems.push(
        `pod ${pair.from} -> ${pair.to} (${to.ip}): ${count ? `${count.received}/${count.sent} replies` : (r.stderr.trim() || r.stdout.trim()).split("\n").slice(-1)[0]}`,
      );
  }
  return { name: "cross-site pod ping", ok: problems.length === 0, problems };
}

export async function checkKubelets(probe: ClabProbe): Promise<CheckResult> {
  const { lab } = probe;
  const problems: string[] = [];
  const members = clusterMembers(lab, probe.control.k8s, probe.control.cluster);
  const cp = lab.nodes.find((n) => n.role === "control-plane");
  const remote = cp ? members.filter((m) => m.node.site !== cp.site) : [];
  const metrics = remote.length ? await hasMetricsApi(probe) : false;
  for (const m of remote) {
    const health = await probe.tools.run({
      argv: kubectl(probe.paths, "get", "--raw", `/api/v1/nodes/${m.container}/proxy/healthz`),
      timeoutMs: 20_000,
      allowFailure: true,
    });
    if (health.code !== 0 || health.stdout.trim() !== "ok")
      problems.push(
        `API server -> ${m.node.name} kubelet (${m.container}:10250): ${(health.stderr.trim() || health.stdout.trim() || `exit ${health.code}`).split("\n").slice(-1)[0]}`,
      );
    if (metrics) {
      const top = await probe.tools.run({
        argv: kubectl(probe.paths, "top", "node", m.container, "--no-headers"),
        timeoutMs: 20_000,
        allowFailure: true,
      });
      if (top.code !== 0)
        problems.push(`kubectl top node ${m.container}: ${top.stderr.trim().split("\n").slice(-1)[0]}`);
    }
  }
  return { name: "control plane reaches remote kubelets", ok: problems.length === 0, problems };
}

/** metrics-server answers when its APIService is registered and Available. */
async function hasMetricsApi(probe: ClabProbe): Promise<boolean> {
  const r = await probe.tools.run({
    argv: kubectl(
      probe.paths,
      "get",
      "apiservice",
      "v1beta1.metrics.k8s.io",
      "-o",
      "jsonpath={.status.conditions[?(@.type=='Available')].status}",
    ),
    timeoutMs: 20_000,
    allowFailure: true,
  });
  return r.code === 0 && r.stdout.trim() === "True";
}

/** The checks in the order they become true; the same names as the netns runtime's. */
export const CLAB_CONVERGENCE_CHECKS = [
  { name: "sessions", title: "BGP sessions Established", run: checkSessions },
  { name: "routes", title: "pod CIDRs in router FIBs", run: checkRoutes },
  { name: "ping", title: "cross-site pod ping", run: checkPodPing },
  { name: "kubelet", title: "control plane reaches remote kubelets", run: checkKubelets },
] as const;

/** A check that throws (API server not answering yet, ...) counts as failed with that message. */
export async function runCheck(
  check: (typeof CLAB_CONVERGENCE_CHECKS)[number],
  probe: ClabProbe,
): Promise<CheckResult> {
  try {
    return await check.run(probe);
  } catch (err) {
    return {
      name: check.title,
      ok: false,
      problems: [(err as Error).message.split("\n").slice(0, 3).join(" ")],
    };
  }
}

/** The checks bound to a probe, in order, for the shared wait and diagnosis. */
export function clabChecks(probe: ClabProbe): ConvergenceCheck[] {
  return CLAB_CONVERGENCE_CHECKS.map((c) => ({ name: c.name, run: () => runCheck(c, probe) }));
}

export function clabConvergenceState(probe: ClabProbe): Promise<CheckResult[]> {
  return checkAll(clabChecks(probe));
}
