// The resolved lab model: the one typed view of configs/ that renderers and runtimes read.
// Nothing downstream of resolve() parses YAML again.

import type { PathAttributes } from "../cilium/attributes.ts";
import type { BgpSecret } from "../cilium/secrets.ts";
import type { SourceRef } from "../config/source.ts";
import type { PositionMap, YamlDocument } from "../config/yaml.ts";

export type { SourceRef };

/** An IPv4 prefix, e.g. 10.42.3.0/24. `network` is the address with host bits cleared. */
export interface Cidr {
  text: string;
  network: string;
  prefixLength: number;
}

/** The internet path between two sites' ZeroTier peers (the topology's zerotier.paths). */
export interface ZerotierPath {
  sites: [string, string];
  /** Round trip, split evenly between the directions. */
  rttMs: number;
  /** Per direction, uniform either way. */
  jitterMs: number;
  /** Per direction, percent. */
  lossPct: number;
  source: SourceRef;
}

export interface Site {
  name: string;
  lan: Cidr;
  router: string;
}

export interface Router {
  name: string;
  site: string;
  asn: number;
  routerId: string;
  lanAddress: string;
  zerotierAddress: string;
  /** Absolute path of the real bird.conf, used byte-for-byte. */
  birdConf: string;
  source: SourceRef;
}

export interface Pod {
  name: string;
  node: string;
  address: string;
}

/** One BGP peer of a node's emulated Cilium speaker, after CRD resolution. */
export interface NodePeer {
  name: string;
  peerAddress: string;
  peerASN: number;
  peerPort: number;
  /** null when the peer has no peerConfigRef (Cilium's defaults, advertises nothing). */
  peerConfig: string | null;
  timers: { connectRetrySeconds: number; holdSeconds: number; keepaliveSeconds: number };
  ebgpMultihop: number;
  gracefulRestart: { enabled: boolean; restartSeconds: number };
  /** TCP MD5 password from the PeerConfig's authSecretRef; null when it names none. */
  auth: { secret: string; password: string } | null;
  /** Source address of the session (a CiliumBGPNodeConfigOverride's peers[].localAddress);
   * null: the route lookup toward the peer picks it. */
  localAddress: string | null;
  families: NodePeerFamily[];
}

export interface NodePeerFamily {
  afi: string;
  safi: string;
  /** Prefixes this node advertises on this family (its pod CIDR when a PodCIDR advertisement is selected). */
  advertised: string[];
  /** Path attributes of each selected PodCIDR advertisement, present once any of them has `attributes`. */
  attributes?: PathAttributes[];
}

export interface NodeBgpInstance {
  name: string;
  localASN: number;
  /** null = Cilium's default: the speaker does not listen, it only dials out. */
  localPort: number | null;
  routerId: string;
  peers: NodePeer[];
}

export interface NodeBgp {
  /** The CiliumBGPClusterConfig that owns this node (first match wins in Cilium). */
  clusterConfig: string;
  instances: NodeBgpInstance[];
  /** Peers Cilium skips, with the reason (e.g. a peerConfigRef to a missing PeerConfig). */
  skipped: { instance: string; peer: string; reason: string }[];
}

export interface K8sNode {
  name: string;
  site: string;
  address: string;
  podCidr: Cidr;
  labels: Record<string, string>;
  role: "control-plane" | "worker";
  pods: Pod[];
  /** null when no ClusterConfig selects the node (it then runs no BGP speaker). */
  bgp: NodeBgp | null;
  source: SourceRef;
}

/** A node joining the cluster while the lab runs (a scenario's `node add` fault). */
export interface NodeJoin {
  name: string;
  site: string;
  address: string;
  podCIDR: string;
  labels: Record<string, string>;
  pods: number;
}

export interface CiliumManifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec: Record<string, unknown>;
  /** Where the document starts. */
  source: SourceRef;
  /** Where each of its fields is written (e.g. "spec.bgpInstances[0].peers[0].peerASN"); absent for manifests built in code. */
  positions?: PositionMap;
}

/** What a Lab was built from, positions included: lint points at fields with it, overlays edit a copy of it. */
export interface LabSources {
  topology: YamlDocument;
  /** Every Cilium manifest document, in file order. */
  manifests: YamlDocument[];
  /** The Helm values; null when the file is absent or does not parse. */
  helmValues: YamlDocument | null;
}

export interface Lab {
  name: string;
  /** Absolute path of the topology file. */
  topologyFile: string;
  /** Directory the topology's relative paths start from. */
  configDir: string;
  cluster: {
    podCidr: Cidr;
    serviceCidr: Cidr;
    ciliumDir: string;
    helmValues: string | null;
    /** Node lifecycle timers (lab/topology/node-lifecycle.ts); absent: upstream's defaults. */
    nodeLifecycle?: { gracePeriodMs: number; tolerationMs: number };
  };
  zerotier: { network: Cidr; mtu: number; paths: ZerotierPath[] };
  sites: Site[];
  routers: Router[];
  nodes: K8sNode[];
  cilium: CiliumManifest[];
  /** Kubernetes Secrets beside the manifests (a PeerConfig's authSecretRef reads them). */
  secrets: BgpSecret[];
  /** The namespace Cilium reads BGP secrets from (Helm bgpControlPlane.secretsNamespace.name). */
  secretsNamespace: string;
  sources: LabSources;
}
