// Cilium's Helm values decide whether the design works at all: native routing, a native-routing
// CIDR covering every pod CIDR (or pod traffic is masqueraded), the BGP control plane on and
// pod CIDRs taken from the Kubernetes nodes.
import * as ip from "../../topology/ipv4.ts";
import type { SourceRef } from "../../topology/model.ts";
import { helmValuesPosition, topologyPosition } from "../../topology/positions.ts";
import type { LintContext } from "../context.ts";
import { type Finding, finding } from "../finding.ts";

interface HelmValues {
  routingMode?: unknown;
  tunnel?: unknown;
  ipv4NativeRoutingCIDR?: unknown;
  enableIPv4Masquerade?: unknown;
  ipMasqAgent?: { enabled?: unknown };
  bgpControlPlane?: { enabled?: unknown };
  ipam?: { mode?: unknown };
}

/** The values and a position finder, or null when the lab has no values file. */
function helm(ctx: LintContext): { v: HelmValues; at: (path: string) => SourceRef } | null {
  const file = ctx.lab.cluster.helmValues;
  if (!file) return null;
  const value = ctx.lab.sources.helmValues?.value;
  const v = (value && typeof value === "object" ? value : {}) as HelmValues;
  return { v, at: (path) => helmValuesPosition(ctx.lab, path) };
}

/** Cilium >= 1.14 `routingMode`; older charts said `tunnel: disabled`. Default: tunnel. */
function routingMode(v: HelmValues): string {
  if (typeof v.routingMode === "string") return v.routingMode;
  return v.tunnel === "disabled" ? "native" : "tunnel";
}

export function helmValuesMissing(ctx: LintContext): Finding[] {
  if (ctx.lab.cluster.helmValues) return [];
  return [
    finding("helm-values-missing", "warn", topologyPosition(ctx.lab, "cluster.cilium"), {
      message: `no values.yaml in the Cilium folder ${ctx.lab.cluster.ciliumDir}`,
      consequence: "Cilium installs with its defaults: VXLAN tunnel routing and the BGP control plane off",
      fix: "add values.yaml with routingMode: native, ipv4NativeRoutingCIDR, bgpControlPlane.enabled: true, ipam.mode: kubernetes",
    }),
  ];
}

export function bgpControlPlaneDisabled(ctx: LintContext): Finding[] {
  const h = helm(ctx);
  if (!h || h.v.bgpControlPlane?.enabled === true) return [];
  return [
    finding("bgp-control-plane-disabled", "error", h.at("bgpControlPlane.enabled"), {
      message: "bgpControlPlane.enabled is not true in the Helm values",
      consequence: "Cilium ignores every BGP CRD: no node opens a session, no pod CIDR is advertised",
      fix: "set `bgpControlPlane: {enabled: true}`",
    }),
  ];
}

export function routingModeNotNative(ctx: LintContext): Finding[] {
  const h = helm(ctx);
  if (!h) return [];
  const mode = routingMode(h.v);
  if (mode === "native") return [];
  return [
    finding("routing-mode-not-native", "warn", h.at("routingMode"), {
      message: `Cilium routingMode is ${mode}${h.v.routingMode === undefined ? " (the default)" : ""}, the design needs native`,
      consequence:
        "pod traffic between nodes is encapsulated node to node (VXLAN, 50 bytes less MTU); the BGP-advertised pod routes do not carry it",
      fix: "set `routingMode: native` and `ipv4NativeRoutingCIDR` to the cluster pod CIDR",
    }),
  ];
}

export function nativeRoutingCidr(ctx: LintContext): Finding[] {
  const h = helm(ctx);
  if (!h || routingMode(h.v) !== "native") return [];
  const cluster = ctx.lab.cluster.podCidr.text;
  const raw = h.v.ipv4NativeRoutingCIDR;
  if (raw === undefined || raw === null || raw === "") {
    // Without masquerading (or with ip-masq-agent) Cilium does not need it.
    if (h.v.enableIPv4Masquerade === false || h.v.ipMasqAgent?.enabled === true) return [];
    return [
      finding("native-routing-cidr-missing", "error", h.at("ipv4NativeRoutingCIDR"), {
        message: "routingMode is native but ipv4NativeRoutingCIDR is not set",
        consequence:
          "the Cilium agent exits: `native routing cidr must be configured with option --ipv4-native-routing-cidr`",
        fix: `set \`ipv4NativeRoutingCIDR: ${cluster}\``,
      }),
    ];
  }
  const cidr = ip.parseCidr(String(raw));
  const at = h.at("ipv4NativeRoutingCIDR");
  if (!cidr)
    return [
      finding("native-routing-cidr-missing", "error", at, {
        message: `ipv4NativeRoutingCIDR ${JSON.stringify(raw)} is not an IPv4 prefix`,
        consequence: "the Cilium agent refuses the value and does not start",
        fix: `set \`ipv4NativeRoutingCIDR: ${cluster}\``,
      }),
    ];
  const outside = ctx.lab.nodes.filter((n) => !ip.containsCidr(cidr, n.podCidr));
  if (outside.length === 0) return [];
  return [
    finding("pod-cidr-outside-native-routing", "error", at, {
      message: `ipv4NativeRoutingCIDR ${cidr.text} does not cover the pod CIDRs of ${outside.map((n) => `${n.name} (${n.podCidr.text})`).join(", ")}`,
      consequence:
        "traffic to those pods is masqueraded to the node address: the other end sees the node, not the pod, and policies and return paths break",
      fix: `set \`ipv4NativeRoutingCIDR: ${cluster}\` (the cluster pod CIDR)`,
    }),
  ];
}

export function ipamModeNotKubernetes(ctx: LintContext): Finding[] {
  const h = helm(ctx);
  if (!h) return [];
  const mode = typeof h.v.ipam?.mode === "string" ? h.v.ipam.mode : "cluster-pool";
  if (mode === "kubernetes") return [];
  return [
    finding("ipam-mode-not-kubernetes", "warn", h.at("ipam.mode"), {
      message: `ipam.mode is ${mode}${h.v.ipam?.mode === undefined ? " (the default)" : ""}, not kubernetes`,
      consequence:
        "pods get addresses from Cilium's own pool, not from k3s's Node.spec.podCIDRs: the advertised pod CIDRs differ from the topology's",
      fix: "set `ipam: {mode: kubernetes}`",
    }),
  ];
}
