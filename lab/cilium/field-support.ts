// The inventory of every field of the four Cilium BGP CRDs (v2 and v2alpha1, schemas/cilium/):
// what the netns runtime emulates and what it refuses. A refused field present in a manifest is
// an error naming the field, never silently ignored (docs/cilium-crds.md lists the same table
// with the test that proves each line). The clab runtime applies the manifests to a real Cilium,
// where every field is real, so only the netns runtime refuses.
import type { Diagnostic } from "../config/diagnostics.ts";
import type { CiliumManifest } from "../topology/model.ts";
import { manifestPosition } from "../topology/positions.ts";
import type { CiliumBgpKind } from "./crd-schemas.ts";

export type FieldSupport =
  | { status: "emulated"; how: string }
  | {
      status: "refused";
      why: string;
      /** Values the emulation honours; any other value is refused (absent: every value is). */
      accepts?: (value: unknown) => boolean;
      /** What to do instead, where REFUSAL_HINT does not fit. */
      hint?: string;
    };

/** What a refusal tells the user to do. */
export const REFUSAL_HINT = "remove it, or use --runtime clab for this field (real Cilium applies it)";

const SELECTOR = (what: string): Record<string, FieldSupport> => {
  const how = `${what}, matched as the Kubernetes API does (lab/cilium/selector.ts)`;
  return {
    matchLabels: { status: "emulated", how },
    "matchExpressions[].key": { status: "emulated", how },
    "matchExpressions[].operator": { status: "emulated", how },
    "matchExpressions[].values[]": { status: "emulated", how },
  };
};

function prefixed(prefix: string, table: Record<string, FieldSupport>): Record<string, FieldSupport> {
  return Object.fromEntries(Object.entries(table).map(([k, v]) => [`${prefix}.${k}`, v]));
}

const UNICAST = (v: unknown) => v === "unicast";
const IP_AFI = (v: unknown) => v === "ipv4" || v === "ipv6";

/** Every leaf field of every served version, by kind; paths use [] for list items. */
export const FIELD_SUPPORT: Record<CiliumBgpKind, Record<string, FieldSupport>> = {
  CiliumBGPClusterConfig: {
    ...prefixed("spec.nodeSelector", SELECTOR("which nodes the ClusterConfig owns")),
    "spec.bgpInstances[].name": { status: "emulated", how: "one gobgpd per instance and node" },
    "spec.bgpInstances[].localASN": { status: "emulated", how: "gobgpd global.config.as" },
    "spec.bgpInstances[].localPort": {
      status: "emulated",
      how: "gobgpd global.config.port (-1 when absent)",
    },
    "spec.bgpInstances[].peers[].name": { status: "emulated", how: "the neighbor's description" },
    "spec.bgpInstances[].peers[].peerASN": { status: "emulated", how: "gobgpd neighbor peer-as" },
    "spec.bgpInstances[].peers[].peerAddress": { status: "emulated", how: "gobgpd neighbor-address" },
    "spec.bgpInstances[].peers[].peerConfigRef.name": {
      status: "emulated",
      how: "the CiliumBGPPeerConfig whose settings the neighbor takes",
    },
    // v2alpha1 only: the reference's group and kind, which name the only kind there is.
    "spec.bgpInstances[].peers[].peerConfigRef.group": {
      status: "refused",
      why: "only group cilium.io is meaningful",
      accepts: (v) => v === "cilium.io",
    },
    "spec.bgpInstances[].peers[].peerConfigRef.kind": {
      status: "refused",
      why: "only kind CiliumBGPPeerConfig is meaningful",
      accepts: (v) => v === "CiliumBGPPeerConfig",
    },
  },
  CiliumBGPPeerConfig: {
    "spec.transport.peerPort": { status: "emulated", how: "gobgpd transport remote-port" },
    "spec.transport.localPort": {
      status: "refused",
      why: "v2alpha1's source port of the session is not configured on the lab's gobgpd",
    },
    "spec.timers.connectRetryTimeSeconds": { status: "emulated", how: "gobgpd timers connect-retry" },
    "spec.timers.holdTimeSeconds": { status: "emulated", how: "gobgpd timers hold-time" },
    "spec.timers.keepAliveTimeSeconds": { status: "emulated", how: "gobgpd timers keepalive-interval" },
    "spec.ebgpMultihop": { status: "emulated", how: "gobgpd ebgp-multihop" },
    "spec.gracefulRestart.enabled": { status: "emulated", how: "gobgpd graceful-restart, per family" },
    "spec.gracefulRestart.restartTimeSeconds": {
      status: "emulated",
      how: "gobgpd graceful-restart restart-time",
    },
    "spec.authSecretRef": {
      status: "emulated",
      how: "gobgpd neighbor auth-password (TCP MD5) from key password of the Secret in the BGP secrets namespace (lab/cilium/secrets.ts)",
    },
    "spec.families[].afi": {
      status: "refused",
      why: "the lab models IPv4 and IPv6 unicast only",
      accepts: IP_AFI,
    },
    "spec.families[].safi": {
      status: "refused",
      why: "the lab models IPv4 and IPv6 unicast only",
      accepts: UNICAST,
    },
    ...prefixed(
      "spec.families[].advertisements",
      SELECTOR("which CiliumBGPAdvertisements the family carries"),
    ),
  },
  CiliumBGPAdvertisement: {
    "spec.advertisements[].advertisementType": {
      status: "refused",
      why: "only PodCIDR is modelled (the lab has no Services nor CiliumPodIPPools)",
      accepts: (v) => v === "PodCIDR",
    },
    "spec.advertisements[].service.addresses[]": {
      status: "refused",
      why: "the lab has no Services to advertise",
    },
    ...prefixed("spec.advertisements[].selector", {
      ...Object.fromEntries(
        Object.keys(SELECTOR("")).map((k) => [
          k,
          {
            status: "refused",
            why: "a selector picks Services or pool IPs, which the lab does not model",
          } satisfies FieldSupport,
        ]),
      ),
    }),
    "spec.advertisements[].attributes.communities.standard[]": {
      status: "emulated",
      how: "COMMUNITIES on the node's pod CIDR (gobgp global rib add ... community)",
    },
    "spec.advertisements[].attributes.communities.large[]": {
      status: "emulated",
      how: "LARGE_COMMUNITY on the node's pod CIDR (gobgp global rib add ... large-community)",
    },
    "spec.advertisements[].attributes.communities.wellKnown[]": {
      status: "emulated",
      how: "COMMUNITIES, each name as its value on the CRD's BGPWellKnownCommunity (lab/cilium/attributes.ts)",
    },
    "spec.advertisements[].attributes.localPreference": {
      status: "emulated",
      how: "LOCAL_PREF on the node's pod CIDR; GoBGP, like any speaker, sends it to iBGP peers only",
    },
  },
  CiliumBGPNodeConfigOverride: {
    "spec.bgpInstances[].name": {
      status: "emulated",
      how: "names the instance overridden (nothing else alone)",
    },
    "spec.bgpInstances[].routerID": {
      status: "emulated",
      how: "gobgpd global.config.router-id of that node's instance (default: the node's address)",
    },
    "spec.bgpInstances[].localPort": {
      status: "emulated",
      how: "gobgpd global.config.port of that node's instance, over the ClusterConfig's",
    },
    "spec.bgpInstances[].localASN": {
      status: "emulated",
      how: "gobgpd global.config.as of that node's instance, over the ClusterConfig's",
    },
    "spec.bgpInstances[].peers[].name": {
      status: "emulated",
      how: "names the peer overridden (nothing else alone)",
    },
    "spec.bgpInstances[].peers[].localAddress": {
      status: "emulated",
      how: "gobgpd neighbor transport local-address (the session's source); an address the lab's node does not have is refused (lab/cilium/node-override.ts)",
    },
    "spec.bgpInstances[].peers[].localPort": {
      status: "refused",
      why: "Cilium itself never applies it: its operator carries only localAddress of an override's peer into the node's CiliumBGPNodeConfig (cilium/cilium operator/pkg/bgpv2/cluster.go, toNodeBGPInstance)",
      hint: "remove it: no runtime would use it",
    },
  },
};

/** The inventory path of a concrete field path ("spec.a[0].b" -> "spec.a[].b"). */
export function inventoryPath(path: string): string {
  return path.replace(/\[\d+\]/g, "[]");
}

/** Every field written in the manifest that the netns runtime refuses, as diagnostics. */
export function refusedFields(m: CiliumManifest): Diagnostic[] {
  const table = FIELD_SUPPORT[m.kind as CiliumBgpKind];
  if (!table) return [];
  const out: Diagnostic[] = [];
  const visit = (value: unknown, path: string): void => {
    const entry = table[inventoryPath(path)];
    if (entry) {
      if (entry.status === "refused" && !(entry.accepts?.(value) ?? false))
        out.push(refusal(m, path, value, entry.why, entry.hint));
      if (!Array.isArray(value)) return;
    }
    if (Array.isArray(value)) {
      for (const [i, v] of value.entries()) visit(v, `${path}[${i}]`);
    } else if (value !== null && typeof value === "object")
      for (const [k, v] of Object.entries(value)) visit(v, `${path}.${k}`);
  };
  visit(m.spec, "spec");
  return out;
}

function refusal(
  m: CiliumManifest,
  path: string,
  value: unknown,
  why: string,
  hint = REFUSAL_HINT,
): Diagnostic {
  const shown = typeof value === "object" ? "" : ` ${JSON.stringify(value)}`;
  return {
    where: manifestPosition(m, path),
    path,
    message: `${m.kind}/${m.metadata.name}: ${path}${shown} is not emulated by the netns runtime: ${why}`,
    hint,
  };
}

/** All refusals of a lab's manifests, in manifest order. */
export function refusedInManifests(manifests: CiliumManifest[]): Diagnostic[] {
  return manifests.flatMap(refusedFields);
}
