// Reading the live state of a clab lab: BIRD and the FIB inside the router containers (dockerode
// exec), nodes and pods from the API server (kubectl), Cilium's BGP peers (cilium CLI). Readers
// return what they saw; the parsing is split into pure functions.

import { type FibRoute, parseIpRouteJson } from "../../observe/probes.ts";
import type { Lab } from "../../topology/model.ts";
import { LabError } from "../../util/errors.ts";

export { type FibRoute, parseIpRouteJson };

import type { ClabControl } from "./control.ts";
import type { ClabPaths } from "./paths.ts";
import { kubectl } from "./plan.ts";
import { testPodNamespace } from "./test-pods.ts";
import type { ExternalTools } from "./tools.ts";

/** Everything a check needs to read a clab lab. */
export interface ClabProbe {
  lab: Lab;
  control: ClabControl;
  tools: ExternalTools;
  paths: ClabPaths;
  /** `cilium bgp peers` is read only when the CLI exists. */
  hasCiliumCli: boolean;
}

/** The text form of `ip route get ADDR` (iproute2 and busybox alike): gateway and device. */
export function parseRouteGet(text: string): { gateway?: string; dev?: string } {
  const line = text.split("\n").find((l) => l.trim() !== "") ?? "";
  const via = /\bvia (\S+)/.exec(line)?.[1];
  const dev = /\bdev (\S+)/.exec(line)?.[1];
  return { ...(via ? { gateway: via } : {}), ...(dev ? { dev } : {}) };
}

export async function routerFib(probe: ClabProbe, router: string): Promise<FibRoute[]> {
  const r = await probe.control.exec(router, ["ip", "-j", "-4", "route", "show"]);
  if (r.exitCode !== 0)
    throw new LabError(`ip route in ${router}: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
  return parseIpRouteJson(r.stdout);
}

export interface KubeNode {
  name: string;
  podCidrs: string[];
  internalIps: string[];
  ready: boolean;
  labels: Record<string, string>;
}

interface NodeListJson {
  items?: {
    metadata?: { name?: string; labels?: Record<string, string> };
    spec?: { podCIDR?: string; podCIDRs?: string[] };
    status?: {
      addresses?: { type?: string; address?: string }[];
      conditions?: { type?: string; status?: string }[];
    };
  }[];
}

export function parseNodes(text: string): KubeNode[] {
  const list = JSON.parse(text) as NodeListJson;
  return (list.items ?? []).map((n) => ({
    name: n.metadata?.name ?? "",
    podCidrs: n.spec?.podCIDRs ?? (n.spec?.podCIDR ? [n.spec.podCIDR] : []),
    internalIps: (n.status?.addresses ?? [])
      .filter((a) => a.type === "InternalIP" && a.address)
      .map((a) => a.address as string),
    ready: (n.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"),
    labels: n.metadata?.labels ?? {},
  }));
}

export interface KubePod {
  name: string;
  node: string;
  ip: string | undefined;
  phase: string;
}

interface PodListJson {
  items?: {
    metadata?: { name?: string };
    spec?: { nodeName?: string };
    status?: { podIP?: string; phase?: string };
  }[];
}

export function parsePods(text: string): KubePod[] {
  const list = JSON.parse(text) as PodListJson;
  return (list.items ?? []).map((p) => ({
    name: p.metadata?.name ?? "",
    node: p.spec?.nodeName ?? "",
    ip: p.status?.podIP || undefined,
    phase: p.status?.phase ?? "Unknown",
  }));
}

export async function kubeNodes(probe: ClabProbe): Promise<KubeNode[]> {
  const r = await probe.tools.run({
    argv: kubectl(probe.paths, "get", "nodes", "-o", "json"),
    timeoutMs: 20_000,
  });
  return parseNodes(r.stdout);
}

export async function testPods(probe: ClabProbe): Promise<KubePod[]> {
  const r = await probe.tools.run({
    argv: kubectl(probe.paths, "get", "pods", "--namespace", testPodNamespace(probe.lab), "-o", "json"),
    timeoutMs: 20_000,
  });
  return parsePods(r.stdout);
}

export interface CiliumPeer {
  node: string;
  localAsn: number;
  peerAsn: number;
  peerAddress: string;
  state: string;
}

/**
 * `cilium bgp peers -o json`: node name -> the agent's BgpPeer models (cilium/cilium
 * api/v1/models/bgp_peer.go: local-asn, peer-asn, peer-address, session-state).
 */
export function parseCiliumPeers(text: string): CiliumPeer[] {
  const byNode = JSON.parse(text) as Record<
    string,
    { "local-asn"?: number; "peer-asn"?: number; "peer-address"?: string; "session-state"?: string }[] | null
  >;
  return Object.entries(byNode).flatMap(([node, peers]) =>
    (peers ?? []).map((p) => ({
      node,
      localAsn: p["local-asn"] ?? 0,
      peerAsn: p["peer-asn"] ?? 0,
      peerAddress: p["peer-address"] ?? "",
      state: p["session-state"] ?? "unknown",
    })),
  );
}

export async function ciliumPeers(probe: ClabProbe): Promise<CiliumPeer[]> {
  const r = await probe.tools.run({
    argv: ["cilium", "bgp", "peers", "-o", "json"],
    env: { KUBECONFIG: probe.paths.kubeconfig },
    timeoutMs: 60_000,
  });
  return parseCiliumPeers(r.stdout);
}

export interface PingCount {
  sent: number;
  received: number;
}

/** iputils ("3 received") and busybox ("3 packets received") summaries. */
export function parsePingSummary(text: string): PingCount | undefined {
  const m = /(\d+) packets transmitted, (\d+) (?:packets )?received/.exec(text);
  return m ? { sent: Number(m[1]), received: Number(m[2]) } : undefined;
}
