// The GoBGP configuration Cilium's agent would give its embedded GoBGP for one node, from the
// node's resolved CRDs: one speaker per bgpInstance, no listener unless localPort is set,
// a global import policy that rejects everything but locally originated routes (Cilium
// imports nothing), and per peer the PeerConfig's transport, timers, multihop, graceful
// restart and families. Prefixes cannot be originated from a GoBGP config file, so the
// list to originate travels beside it (the runtime adds them through the gobgp CLI).
import yaml from "js-yaml";
import { NO_ATTRIBUTES, type PathAttributes, sameAttributes } from "../cilium/attributes.ts";
import type { K8sNode, Lab, NodeBgpInstance, NodePeer } from "../topology/model.ts";
import type { Artifact } from "./artifact.ts";

/** Name of the import policy statement set that lets local routes through. */
export const ALLOW_LOCAL_POLICY = "cilium-allow-local";

export interface GobgpSpeaker {
  node: string;
  instance: string;
  /** Relative path of the rendered config. */
  configPath: string;
  /** gRPC API port inside the node's namespace (one per instance). */
  apiPort: number;
  prefixes: string[];
  /** Each prefix with the path attributes its advertisements give it. */
  routes: OriginatedRoute[];
  config: Record<string, unknown>;
}

export interface OriginatedRoute {
  prefix: string;
  attributes: PathAttributes;
  /** Why one set of attributes cannot stand for every peer (the speaker originates a prefix
   * once, for all its peers); null when it can. */
  conflict: string | null;
}

export const GOBGP_API_BASE_PORT = 50051;

export function gobgpSpeakers(node: K8sNode): GobgpSpeaker[] {
  return (node.bgp?.instances ?? []).map((inst, i) => ({
    node: node.name,
    instance: inst.name,
    configPath: `gobgp/${node.name}/${inst.name}.yaml`,
    apiPort: GOBGP_API_BASE_PORT + i,
    prefixes: [...new Set(inst.peers.flatMap((p) => p.families.flatMap((f) => f.advertised)))],
    routes: originatedRoutes(inst),
    config: speakerConfig(inst),
  }));
}

/** The prefixes an instance originates with their attributes, from every family advertising them. */
export function originatedRoutes(inst: NodeBgpInstance): OriginatedRoute[] {
  const byPrefix = new Map<string, { sets: PathAttributes[]; where: string[] }>();
  for (const p of inst.peers)
    for (const f of p.families)
      for (const prefix of f.advertised) {
        const e = byPrefix.get(prefix) ?? { sets: [], where: [] };
        const sets = f.attributes?.length ? f.attributes : [NO_ATTRIBUTES];
        e.sets.push(...sets);
        e.where.push(`peer ${p.name} ${f.afi}-${f.safi}`);
        byPrefix.set(prefix, e);
      }
  return [...byPrefix].map(([prefix, { sets, where }]) => {
    const first = sets[0] ?? NO_ATTRIBUTES;
    const same = sets.every((s) => sameAttributes(s, first));
    return {
      prefix,
      attributes: first,
      conflict: same
        ? null
        : `${prefix} gets different attributes from the advertisements selected for ${[...new Set(where)].join(", ")}`,
    };
  });
}

function speakerConfig(inst: NodeBgpInstance): Record<string, unknown> {
  return {
    global: {
      config: { as: inst.localASN, "router-id": inst.routerId, port: inst.localPort ?? -1 },
      "apply-policy": {
        config: {
          "import-policy-list": [ALLOW_LOCAL_POLICY],
          "default-import-policy": "reject-route",
          "default-export-policy": "accept-route",
        },
      },
    },
    neighbors: inst.peers.map(neighborConfig),
    "policy-definitions": [
      {
        name: ALLOW_LOCAL_POLICY,
        statements: [
          {
            name: "accept-local",
            conditions: { "bgp-conditions": { "route-type": "local" } },
            actions: { "route-disposition": "accept-route" },
          },
        ],
      },
    ],
  };
}

function neighborConfig(p: NodePeer): Record<string, unknown> {
  const gr = p.gracefulRestart.enabled;
  // Only families that advertise something matter to the session's content, but Cilium
  // negotiates every configured family; keep them all.
  const families = p.families.map((f) => ({
    config: { "afi-safi-name": `${f.afi}-${f.safi}` },
    ...(gr ? { "mp-graceful-restart": { config: { enabled: true } } } : {}),
  }));
  return {
    config: {
      "neighbor-address": p.peerAddress,
      "peer-as": p.peerASN,
      description: p.name,
      // TCP MD5 (RFC 2385) on the session's socket, as the agent sets it from authSecretRef.
      ...(p.auth ? { "auth-password": p.auth.password } : {}),
    },
    transport: {
      config: {
        "remote-port": p.peerPort,
        "passive-mode": false,
        ...(p.localAddress ? { "local-address": p.localAddress } : {}),
      },
    },
    timers: {
      config: {
        "connect-retry": p.timers.connectRetrySeconds,
        "hold-time": p.timers.holdSeconds,
        "keepalive-interval": p.timers.keepaliveSeconds,
      },
    },
    "ebgp-multihop": { config: { enabled: p.ebgpMultihop > 1, "multihop-ttl": p.ebgpMultihop } },
    "graceful-restart": { config: { enabled: gr, "restart-time": p.gracefulRestart.restartSeconds } },
    "afi-safis": families,
  };
}

export function renderGobgp(lab: Lab): Artifact[] {
  return lab.nodes.flatMap((node) =>
    gobgpSpeakers(node).map((s) => ({
      path: s.configPath,
      description: `GoBGP config of ${node.name} (${s.instance}), originates ${s.prefixes.join(", ") || "nothing"}`,
      content: `# Rendered from the Cilium BGP CRDs for node ${node.name} (ClusterConfig ${node.bgp?.clusterConfig}).\n# Originate: ${s.prefixes.join(", ") || "(none)"}\n${yaml.dump(s.config, { lineWidth: 120, noRefs: true })}`,
    })),
  );
}
