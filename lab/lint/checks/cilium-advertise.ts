// What the nodes advertise: a PeerConfig family needs an advertisements selector, and the
// selected CiliumBGPAdvertisements must yield the node's pod CIDR, or the session carries nothing.
import { originatedPrefixes } from "../../cilium/node-bgp.ts";
import { manifestPosition } from "../../topology/positions.ts";
import type { LintContext } from "../context.ts";
import { type Finding, finding } from "../finding.ts";

interface Family {
  afi?: string;
  safi?: string;
  advertisements?: unknown;
}

export function familyWithoutAdvertisements(ctx: LintContext): Finding[] {
  const out: Finding[] = [];
  for (const m of ctx.lab.cilium) {
    if (m.kind !== "CiliumBGPPeerConfig") continue;
    const families = m.spec.families as Family[] | undefined;
    if (families === undefined) {
      out.push(
        finding("family-without-advertisements", "warn", manifestPosition(m, "spec"), {
          message: `PeerConfig ${m.metadata.name} lists no families: Cilium uses ipv4 and ipv6 unicast, neither with an advertisements selector`,
          consequence: "sessions using this PeerConfig come up but advertise nothing",
          fix: "add `families: [{afi: ipv4, safi: unicast, advertisements: {matchLabels: {advertise: pod-cidr}}}]`",
        }),
      );
      continue;
    }
    families.forEach((f, i) => {
      if (f.advertisements !== undefined && f.advertisements !== null) return;
      out.push(
        finding("family-without-advertisements", "warn", manifestPosition(m, `spec.families[${i}]`), {
          message: `family ${f.afi ?? "?"}/${f.safi ?? "?"} of PeerConfig ${m.metadata.name} has no advertisements selector`,
          consequence: `nothing is advertised on ${f.afi ?? "this family"} over sessions using this PeerConfig`,
          fix: "add `advertisements: {matchLabels: {...}}` matching a CiliumBGPAdvertisement of type PodCIDR (`{}` selects all)",
        }),
      );
    });
  }
  return out;
}

export function nodeAdvertisesNothing(ctx: LintContext): Finding[] {
  return ctx.lab.nodes
    .filter((n) => n.bgp?.instances.some((i) => i.peers.length > 0) && originatedPrefixes(n.bgp).length === 0)
    .map((n) =>
      finding("node-advertises-nothing", "error", n.source, {
        message: `node ${n.name} has BGP sessions but advertises no prefix (its pod CIDR ${n.podCidr.text} is selected by no family)`,
        consequence:
          "the router never learns the node's pod CIDR: its pods are unreachable from other nodes and sites",
        fix: "give the PeerConfig's ipv4 family an advertisements selector matching a CiliumBGPAdvertisement of type PodCIDR",
      }),
    );
}
