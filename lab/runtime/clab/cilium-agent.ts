// The Cilium agent of one Kubernetes node, through kubectl: which pod it is, its BGP peers as
// the agent itself reports them (`cilium-dbg bgp peers -o json` in the agent container, so no
// cilium CLI is needed on the host), restarting it, and waiting until it is Ready again.
// Cilium runs as a DaemonSet: a deleted agent pod is replaced at once, so "stop" and "kill"
// are restarts whose downtime is Kubernetes', not the scenario's.
import { setTimeout as sleep } from "node:timers/promises";
import { LabError, TimeoutError } from "../../util/errors.ts";
import type { ClabPaths } from "./paths.ts";
import { kubectl } from "./plan.ts";
import type { ExternalTools } from "./tools.ts";

export const CILIUM_NAMESPACE = "kube-system";
export const AGENT_SELECTOR = "k8s-app=cilium";
export const AGENT_CONTAINER = "cilium-agent";

export interface AgentPod {
  name: string;
  ready: boolean;
  deleting: boolean;
}

interface PodListJson {
  items?: {
    metadata?: { name?: string; deletionTimestamp?: string };
    status?: { conditions?: { type?: string; status?: string }[] };
  }[];
}

export function parseAgentPods(text: string): AgentPod[] {
  const list = JSON.parse(text) as PodListJson;
  return (list.items ?? []).map((p) => ({
    name: p.metadata?.name ?? "",
    ready: (p.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"),
    deleting: Boolean(p.metadata?.deletionTimestamp),
  }));
}

export interface AgentPeer {
  address: string;
  localAsn: number;
  peerAsn: number;
  /** Lowercase FSM state as the agent reports it ("established", "active", ...). */
  state: string;
}

/** `cilium-dbg bgp peers -o json`: a list of the agent's BgpPeer models (api/v1 bgp_peer). */
export function parseAgentPeers(text: string): AgentPeer[] {
  const peers = JSON.parse(text) as
    | { "peer-address"?: string; "local-asn"?: number; "peer-asn"?: number; "session-state"?: string }[]
    | null;
  if (peers !== null && !Array.isArray(peers))
    throw new LabError("cilium-dbg bgp peers -o json: expected a list of peers");
  return (peers ?? []).map((p) => ({
    address: p["peer-address"] ?? "",
    localAsn: p["local-asn"] ?? 0,
    peerAsn: p["peer-asn"] ?? 0,
    state: (p["session-state"] ?? "unknown").toLowerCase(),
  }));
}

export class CiliumAgents {
  /** Node -> the agent pod that last answered: a speaker watch asks every second, and the pod
   * changes only when it is replaced (then the exec fails and the next call looks it up again). */
  private readonly answering = new Map<string, string>();

  constructor(
    private readonly tools: ExternalTools,
    private readonly paths: ClabPaths,
  ) {}

  /** Agent pods scheduled on a Kubernetes node (more than one while a replacement starts). */
  async pods(k8sNode: string): Promise<AgentPod[]> {
    const r = await this.tools.run({
      argv: kubectl(
        this.paths,
        "get",
        "pods",
        "--namespace",
        CILIUM_NAMESPACE,
        "--selector",
        AGENT_SELECTOR,
        "--field-selector",
        `spec.nodeName=${k8sNode}`,
        "-o",
        "json",
      ),
      timeoutMs: 20_000,
    });
    return parseAgentPods(r.stdout);
  }

  /** The running agent of a node (not one being deleted); throws when there is none. */
  async pod(k8sNode: string): Promise<AgentPod> {
    const live = (await this.pods(k8sNode)).filter((p) => !p.deleting);
    const pod = live.find((p) => p.ready) ?? live[0];
    if (!pod)
      throw new LabError(
        `no Cilium agent pod on node ${k8sNode}`,
        `kubectl --kubeconfig ${this.paths.kubeconfig} -n ${CILIUM_NAMESPACE} get pods -l ${AGENT_SELECTOR} -o wide`,
      );
    return pod;
  }

  async peers(k8sNode: string): Promise<AgentPeer[]> {
    const pod = this.answering.get(k8sNode) ?? (await this.pod(k8sNode)).name;
    this.answering.delete(k8sNode);
    const r = await this.tools.run({
      argv: kubectl(
        this.paths,
        "exec",
        "--namespace",
        CILIUM_NAMESPACE,
        pod,
        "--container",
        AGENT_CONTAINER,
        "--",
        "cilium-dbg",
        "bgp",
        "peers",
        "-o",
        "json",
      ),
      timeoutMs: 20_000,
    });
    const peers = parseAgentPeers(r.stdout);
    this.answering.set(k8sNode, pod);
    return peers;
  }

  /** Deletes the node's agent pod: gracefully (SIGTERM, the agent's shutdown) or at once. */
  async restart(k8sNode: string, how: "graceful" | "kill"): Promise<string> {
    this.answering.delete(k8sNode);
    const pod = await this.pod(k8sNode);
    const force = how === "kill" ? ["--grace-period=0", "--force"] : [];
    await this.tools.run({
      argv: kubectl(
        this.paths,
        "delete",
        "pod",
        "--namespace",
        CILIUM_NAMESPACE,
        pod.name,
        "--wait=false",
        ...force,
      ),
      timeoutMs: 30_000,
    });
    return pod.name;
  }

  /** Waits until a new, Ready agent runs on the node; returns its pod name. */
  async waitReady(k8sNode: string, budgetMs: number, not?: string): Promise<string> {
    const deadline = Date.now() + budgetMs;
    let seen = "no agent pod";
    while (Date.now() < deadline) {
      const pods = (await this.pods(k8sNode).catch(() => [])).filter((p) => !p.deleting && p.name !== not);
      const ready = pods.find((p) => p.ready);
      if (ready) return ready.name;
      seen = pods.length ? `${pods.map((p) => p.name).join(", ")} not Ready` : "no agent pod";
      await sleep(1000);
    }
    throw new TimeoutError(`Cilium agent on ${k8sNode} Ready`, budgetMs, seen);
  }
}
