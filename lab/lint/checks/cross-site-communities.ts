// Well-known communities (RFC 1997) on a pod CIDR that the routers act on across the sites. The
// speaker sends the route to its own site's router with the community; BIRD then keeps it from
// every peer (NO_ADVERTISE) or from eBGP peers (NO_EXPORT, NO_EXPORT_SUBCONFED), which the other
// site's router is when the sites have their own ASNs. Measured on the seed with no-export: each
// router has its own nodes' prefixes and none of the other site's.
import { standardCommunity, WELL_KNOWN_COMMUNITIES } from "../../cilium/attributes.ts";
import { type LabelSelector, matchesSelector } from "../../cilium/selector.ts";
import type { CiliumManifest, K8sNode, Router } from "../../topology/model.ts";
import { manifestPosition } from "../../topology/positions.ts";
import type { LintContext } from "../context.ts";
import { type Finding, finding } from "../finding.ts";
import { ciliumPeers, nodeList } from "../sessions.ts";

/** The well-known communities BIRD acts on when exporting, and to which peers it then sends nothing. */
const ACTED_ON: Record<string, { name: string; blocks: (from: Router, to: Router) => boolean }> = {
  "65535:65282": { name: "NO_ADVERTISE", blocks: () => true },
  "65535:65281": { name: "NO_EXPORT", blocks: (a, b) => a.asn !== b.asn },
  "65535:65283": { name: "NO_EXPORT_SUBCONFED", blocks: (a, b) => a.asn !== b.asn },
};

interface AdvertisementSpec {
  advertisements?: {
    advertisementType: string;
    attributes?: { communities?: { standard?: string[]; wellKnown?: string[] } };
  }[];
}

export function crossSiteCommunities(ctx: LintContext): Finding[] {
  const out: Finding[] = [];
  for (const m of ctx.lab.cilium) {
    if (m.kind !== "CiliumBGPAdvertisement") continue;
    ((m.spec as AdvertisementSpec).advertisements ?? []).forEach((ad, i) => {
      if (ad.advertisementType !== "PodCIDR") return;
      const c = ad.attributes?.communities ?? {};
      const written = [
        ...(c.wellKnown ?? []).map((w, j) => ({
          value: WELL_KNOWN_COMMUNITIES[w] ?? w,
          path: `wellKnown[${j}]`,
          text: w,
        })),
        ...(c.standard ?? []).map((s, j) => ({
          value: standardCommunity(s),
          path: `standard[${j}]`,
          text: s,
        })),
      ];
      for (const w of written) {
        const acted = ACTED_ON[w.value];
        if (!acted) continue;
        const nodes = advertisingNodes(ctx, m);
        const cut = nodes.flatMap((node) => {
          const own = ctx.lab.routers.find((r) => r.site === node.site);
          const others = ctx.lab.routers.filter((r) => own && r !== own && acted.blocks(own, r));
          return own && others.length ? [{ node, own, others }] : [];
        });
        if (!cut.length) continue;
        const routers = [...new Set(cut.flatMap((x) => x.others.map((r) => r.name)))];
        out.push(
          finding(
            "cross-site-community",
            "warn",
            manifestPosition(m, `spec.advertisements[${i}].attributes.communities.${w.path}`),
            {
              message: `CiliumBGPAdvertisement ${m.metadata.name} tags the pod CIDR of ${nodeList(cut.map((x) => x.node))} with ${w.text} (${acted.name})`,
              consequence: `each site router keeps the prefix to itself (BIRD honours RFC 1997 ${acted.name}${acted.name === "NO_ADVERTISE" ? "" : " towards eBGP peers"}): ${routers.join(", ")} never learn it, so cross-site pod traffic to ${cut.map((x) => x.node.name).join(", ")} is lost`,
              fix: `remove ${w.text} from the advertisement's communities (or give it only to routes that must stay on their site)`,
            },
          ),
        );
      }
    });
  }
  return out;
}

/** Nodes whose PeerConfig families select this advertisement and advertise their pod CIDR with it. */
function advertisingNodes(ctx: LintContext, ad: CiliumManifest): K8sNode[] {
  const out: K8sNode[] = [];
  for (const cp of ciliumPeers(ctx)) {
    const pc = ctx.lab.cilium.find(
      (m) => m.kind === "CiliumBGPPeerConfig" && m.metadata.name === cp.peer.peerConfig,
    );
    const families = (
      (pc?.spec.families ?? []) as { afi: string; safi: string; advertisements?: LabelSelector }[]
    ).filter((f) => f.advertisements != null && matchesSelector(f.advertisements, ad.metadata.labels ?? {}));
    const carries = families.some((f) =>
      cp.peer.families.some((r) => r.afi === f.afi && r.safi === f.safi && r.advertised.length > 0),
    );
    if (carries && !out.includes(cp.node)) out.push(cp.node);
  }
  return out;
}
