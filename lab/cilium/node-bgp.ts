// What Cilium's BGP control plane would configure on one node, derived from the CRDs the way
// the agent does: the owning CiliumBGPClusterConfig gives instances and peers, each peer's
// CiliumBGPPeerConfig gives transport, timers, graceful restart and families, and each family's
// advertisement selector picks CiliumBGPAdvertisements (PodCIDR -> the node's own pod CIDR).
import type { CiliumManifest, NodeBgp, NodePeer, NodePeerFamily } from "../topology/model.ts";
import { type AttributesSpec, pathAttributes } from "./attributes.ts";
import { type BgpSecret, lookupPassword } from "./secrets.ts";
import { type LabelSelector, matchesSelector } from "./selector.ts";

interface ClusterConfigSpec {
  nodeSelector?: LabelSelector;
  bgpInstances?: {
    name: string;
    localASN?: number;
    localPort?: number;
    peers?: { name: string; peerAddress?: string; peerASN?: number; peerConfigRef?: { name?: string } }[];
  }[];
}

interface PeerConfigSpec {
  transport?: { peerPort?: number };
  timers?: { connectRetryTimeSeconds?: number; holdTimeSeconds?: number; keepAliveTimeSeconds?: number };
  ebgpMultihop?: number;
  gracefulRestart?: { enabled?: boolean; restartTimeSeconds?: number };
  families?: { afi: string; safi: string; advertisements?: LabelSelector }[];
  authSecretRef?: string;
}

/** The Secrets a PeerConfig's authSecretRef is looked up in, and their namespace. */
export interface SecretSource {
  secrets: BgpSecret[];
  namespace: string;
}

const NO_SECRETS: SecretSource = { secrets: [], namespace: "" };

interface AdvertisementSpec {
  advertisements?: { advertisementType: string; attributes?: AttributesSpec }[];
}

/** CiliumBGPPeerConfig defaults (cilium/cilium pkg/k8s/apis/cilium.io/v2/bgp_peer_types.go). */
export const PEER_CONFIG_DEFAULTS = {
  peerPort: 179,
  connectRetrySeconds: 120,
  holdSeconds: 90,
  keepaliveSeconds: 30,
  ebgpMultihop: 1,
  restartSeconds: 120,
} as const;

export interface NodeIdentity {
  name: string;
  address: string;
  podCidr: string;
  labels: Record<string, string>;
}

/** ClusterConfigs whose nodeSelector matches the node, in manifest order. */
export function selectingClusterConfigs(
  manifests: CiliumManifest[],
  labels: Record<string, string>,
): CiliumManifest[] {
  return manifests.filter(
    (m) =>
      m.kind === "CiliumBGPClusterConfig" &&
      matchesSelector((m.spec as ClusterConfigSpec).nodeSelector, labels),
  );
}

/** A CiliumBGPNodeConfigOverride's spec: per node (metadata.name) and instance. */
export interface NodeOverrideSpec {
  bgpInstances?: {
    name: string;
    routerID?: string;
    localASN?: number;
    localPort?: number;
    peers?: { name: string; localAddress?: string; localPort?: number }[];
  }[];
}

/** The CiliumBGPNodeConfigOverride of a node: the one named after it (Cilium's operator looks
 * it up by the node's name). */
export function nodeOverride(manifests: CiliumManifest[], node: string): CiliumManifest | null {
  return findByName(manifests, "CiliumBGPNodeConfigOverride", node);
}

export function resolveNodeBgp(
  manifests: CiliumManifest[],
  node: NodeIdentity,
  secrets: SecretSource = NO_SECRETS,
): NodeBgp | null {
  const owner = selectingClusterConfigs(manifests, node.labels)[0];
  if (!owner) return null;
  const spec = owner.spec as ClusterConfigSpec;
  const overrides = (nodeOverride(manifests, node.name)?.spec as NodeOverrideSpec | undefined)?.bgpInstances;
  const skipped: NodeBgp["skipped"] = [];
  const instances = (spec.bgpInstances ?? []).map((inst) => {
    // As Cilium's operator builds the node's CiliumBGPNodeConfig (operator/pkg/bgpv2/cluster.go,
    // toNodeBGPInstance): an override's routerID, localASN and localPort replace the instance's,
    // and of its peers only localAddress is carried over.
    const ov = overrides?.find((o) => o.name === inst.name);
    const peers: NodePeer[] = [];
    for (const p of inst.peers ?? []) {
      if (!p.peerAddress) {
        skipped.push({ instance: inst.name, peer: p.name, reason: "no peerAddress" });
        continue;
      }
      const refName = p.peerConfigRef?.name ?? null;
      const peerConfig = refName ? findByName(manifests, "CiliumBGPPeerConfig", refName) : null;
      if (refName && !peerConfig) {
        skipped.push({
          instance: inst.name,
          peer: p.name,
          reason: `CiliumBGPPeerConfig "${refName}" does not exist`,
        });
        continue;
      }
      const peer = buildPeer(
        p.name,
        p.peerAddress,
        p.peerASN ?? 0,
        refName,
        peerConfig,
        manifests,
        node,
        secrets,
      );
      const localAddress = ov?.peers?.find((o) => o.name === p.name)?.localAddress;
      peers.push(localAddress ? { ...peer, localAddress: localAddress.trim() } : peer);
    }
    return {
      name: inst.name,
      localASN: ov?.localASN ?? inst.localASN ?? 0,
      localPort: ov?.localPort ?? inst.localPort ?? null,
      // Cilium's default router ID on IPv4 is the node's IPv4 address.
      routerId: ov?.routerID ?? node.address,
      peers,
    };
  });
  return { clusterConfig: owner.metadata.name, instances, skipped };
}

function buildPeer(
  name: string,
  peerAddress: string,
  peerASN: number,
  refName: string | null,
  peerConfig: CiliumManifest | null,
  manifests: CiliumManifest[],
  node: NodeIdentity,
  secrets: SecretSource,
): NodePeer {
  const spec = (peerConfig?.spec ?? {}) as PeerConfigSpec;
  const d = PEER_CONFIG_DEFAULTS;
  // No PeerConfig at all: Cilium opens the session with defaults and advertises nothing.
  const families = peerConfig
    ? (spec.families ?? [
        { afi: "ipv4", safi: "unicast" },
        { afi: "ipv6", safi: "unicast" },
      ])
    : [
        { afi: "ipv4", safi: "unicast" },
        { afi: "ipv6", safi: "unicast" },
      ];
  return {
    name,
    peerAddress,
    peerASN,
    peerPort: spec.transport?.peerPort ?? d.peerPort,
    peerConfig: refName,
    timers: {
      connectRetrySeconds: spec.timers?.connectRetryTimeSeconds ?? d.connectRetrySeconds,
      holdSeconds: spec.timers?.holdTimeSeconds ?? d.holdSeconds,
      keepaliveSeconds: spec.timers?.keepAliveTimeSeconds ?? d.keepaliveSeconds,
    },
    ebgpMultihop: spec.ebgpMultihop ?? d.ebgpMultihop,
    gracefulRestart: {
      enabled: spec.gracefulRestart?.enabled ?? false,
      restartSeconds: spec.gracefulRestart?.restartTimeSeconds ?? d.restartSeconds,
    },
    auth: peerAuth(spec.authSecretRef, secrets),
    localAddress: null,
    families: families.map((f) => resolveFamily(f, peerConfig !== null, manifests, node)),
  };
}

/** A Secret that is missing or has no password is a load error (secrets.ts); the lab never
 * runs such a peer, so here it simply has no password. */
function peerAuth(ref: string | undefined, secrets: SecretSource): NodePeer["auth"] {
  if (typeof ref !== "string") return null;
  const found = lookupPassword(ref, secrets.secrets, secrets.namespace);
  return "password" in found ? { secret: `${secrets.namespace}/${ref}`, password: found.password } : null;
}

function resolveFamily(
  family: { afi: string; safi: string; advertisements?: LabelSelector },
  hasPeerConfig: boolean,
  manifests: CiliumManifest[],
  node: NodeIdentity,
): NodePeerFamily {
  const out: NodePeerFamily = { afi: family.afi, safi: family.safi, advertised: [] };
  // A family without a selector advertises nothing (an empty selector {} selects every advertisement).
  if (!hasPeerConfig || family.advertisements === undefined || family.advertisements === null) return out;
  const selected = manifests.filter(
    (m) =>
      m.kind === "CiliumBGPAdvertisement" && matchesSelector(family.advertisements, m.metadata.labels ?? {}),
  );
  const podCidrAds = selected.flatMap((m) =>
    ((m.spec as AdvertisementSpec).advertisements ?? []).filter((a) => a.advertisementType === "PodCIDR"),
  );
  const isV4 = !node.podCidr.includes(":");
  if (podCidrAds.length > 0 && family.safi === "unicast" && (family.afi === "ipv4") === isV4) {
    out.advertised.push(node.podCidr);
    // One entry per selected advertisement once any has attributes, so a mix shows as a conflict.
    if (podCidrAds.some((a) => a.attributes !== undefined))
      out.attributes = podCidrAds.map((a) => pathAttributes(a.attributes));
  }
  return out;
}

function findByName(manifests: CiliumManifest[], kind: string, name: string): CiliumManifest | null {
  return manifests.find((m) => m.kind === kind && m.metadata.name === name) ?? null;
}

/** Every prefix the node originates, over all peers and families (deduplicated). */
export function originatedPrefixes(bgp: NodeBgp | null): string[] {
  const set = new Set<string>();
  for (const inst of bgp?.instances ?? [])
    for (const p of inst.peers) for (const f of p.families) for (const pre of f.advertised) set.add(pre);
  return [...set];
}
