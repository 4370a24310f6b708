// The namespaces, links and addresses the netns runtime creates for a Lab, computed purely so
// `up` builds it, `down` knows exactly which names are the lab's, and tests can read it.
import { type DirectionBaseline, pathBaselines } from "../../emulate/zerotier/wan-path.ts";
import { nthHost } from "../../topology/ipv4.ts";
import type { Lab } from "../../topology/model.ts";
import { LAN_MTU, POD_MTU } from "../../topology/mtu.ts";
import { nodeServiceRoutes, podServiceAddresses } from "./services.ts";

export type NsRole = "inet" | "root" | "switch" | "router" | "node" | "pod";

export interface PlannedNamespace {
  name: string;
  role: NsRole;
  /** The model element it stands for (router/node/pod name, site for switches). */
  of: string;
  forwarding: boolean;
}

export interface LinkEnd {
  ns: string;
  ifname: string;
  /** CIDR notation, e.g. 192.168.0.1/24. */
  addresses: string[];
  /** Enslave to this bridge in the same namespace. */
  bridge?: string;
}

export interface PlannedLink {
  a: LinkEnd;
  b: LinkEnd;
  mtu: number;
  purpose: string;
}

export interface PlannedVxlan {
  ns: string;
  ifname: string;
  vni: number;
  port: number;
  local: string;
  remote: string;
  dev: string;
  mtu: number;
  address: string;
}

export interface NetnsPlan {
  lab: string;
  namespaces: PlannedNamespace[];
  bridges: { ns: string; name: string; mtu: number; address?: string }[];
  links: PlannedLink[];
  vxlans: PlannedVxlan[];
  routes: { ns: string; args: string[] }[];
  relay: {
    ns: string;
    address: string;
    port: number;
    endpoints: { name: string; address: string }[];
    /** The topology's WAN path per direction, which the relay starts with and resets to. */
    baseline: DirectionBaseline[];
    /** The emulated ZeroTier root, in a namespace of its own on the internet's bridge. */
    root: { ns: string; address: string };
  };
}

/** ZeroTier's UDP port, also used by the emulating VXLAN devices and the relay. */
export const ZT_PORT = 9993;
export const ZT_VNI = 191;
/** The underlay must carry a 2800-byte ZT frame plus VXLAN overhead: >= 2850 (measured: docs/facts.md). */
export const UNDERLAY_MTU = 9000;
const UNDERLAY_NET = "100.64.0";
/** The namespace of the emulated ZeroTier root (<lab>-zt-root); a topology may not name a router or
 * node so (topology/build.ts). */
export const ROOT_ELEMENT = "zt-root";
const ROOT_ADDRESS = `${UNDERLAY_NET}.2`;

export const nsName = (lab: string, what: string) => `${lab}-${what}`;

export function planNetns(lab: Lab): NetnsPlan {
  const L = lab.name;
  const inet = nsName(L, "inet");
  const namespaces: PlannedNamespace[] = [{ name: inet, role: "inet", of: "internet", forwarding: false }];
  const bridges: NetnsPlan["bridges"] = [
    { ns: inet, name: "br0", mtu: UNDERLAY_MTU, address: `${UNDERLAY_NET}.1/24` },
  ];
  const links: PlannedLink[] = [];
  const vxlans: PlannedVxlan[] = [];
  const routes: NetnsPlan["routes"] = [];
  const endpoints: { name: string; address: string }[] = [];
  const ztLen = lab.zerotier.network.prefixLength;
  const serviceAddressesOf = podServiceAddresses(lab);

  // Relayed frames cross into the root's namespace and leave it from the root's address, as a
  // ZeroTier peer receives relayed packets from a root (lab/emulate/zerotier/root.ts).
  const root = nsName(L, ROOT_ELEMENT);
  namespaces.push({ name: root, role: "root", of: "ZeroTier root", forwarding: false });
  links.push({
    a: { ns: root, ifname: "wan0", addresses: [`${ROOT_ADDRESS}/24`] },
    b: { ns: inet, ifname: "root0", addresses: [], bridge: "br0" },
    mtu: UNDERLAY_MTU,
    purpose: "the ZeroTier root's internet uplink",
  });

  for (const site of lab.sites) {
    const sw = nsName(L, `sw-${site.name}`);
    namespaces.push({ name: sw, role: "switch", of: site.name, forwarding: false });
    bridges.push({ ns: sw, name: "br0", mtu: LAN_MTU });
  }
  lab.routers.forEach((r, i) => {
    const ns = nsName(L, r.name);
    const site = lab.sites.find((s) => s.name === r.site);
    const lanLen = site?.lan.prefixLength ?? 24;
    const wan = `${UNDERLAY_NET}.${10 + i}`;
    namespaces.push({ name: ns, role: "router", of: r.name, forwarding: true });
    links.push({
      a: { ns, ifname: "wan0", addresses: [`${wan}/24`] },
      b: { ns: inet, ifname: `wan${i}`, addresses: [], bridge: "br0" },
      mtu: UNDERLAY_MTU,
      purpose: `${r.name} internet uplink`,
    });
    vxlans.push({
      ns,
      ifname: "zt0",
      vni: ZT_VNI,
      port: ZT_PORT,
      local: wan,
      remote: `${UNDERLAY_NET}.1`,
      dev: "wan0",
      mtu: lab.zerotier.mtu,
      address: `${r.zerotierAddress}/${ztLen}`,
    });
    links.push({
      a: { ns, ifname: "lan0", addresses: [`${r.lanAddress}/${lanLen}`] },
      b: { ns: nsName(L, `sw-${r.site}`), ifname: "rtr", addresses: [], bridge: "br0" },
      mtu: LAN_MTU,
      purpose: `${r.name} on the ${r.site} LAN`,
    });
    endpoints.push({ name: r.site, address: wan });
  });
  lab.nodes.forEach((n, i) => {
    const ns = nsName(L, n.name);
    const site = lab.sites.find((s) => s.name === n.site);
    const router = lab.routers.find((r) => r.site === n.site);
    namespaces.push({ name: ns, role: "node", of: n.name, forwarding: true });
    links.push({
      a: { ns, ifname: "eth0", addresses: [`${n.address}/${site?.lan.prefixLength ?? 24}`] },
      b: { ns: nsName(L, `sw-${n.site}`), ifname: `node${i}`, addresses: [], bridge: "br0" },
      mtu: LAN_MTU,
      purpose: `${n.name} on the ${n.site} LAN`,
    });
    if (router) routes.push({ ns, args: ["default", "via", router.lanAddress] });
    // Like cilium_host: the node's side of every pod link carries the pod gateway address.
    const gateway = nthHost(n.podCidr, 1);
    n.pods.forEach((p, k) => {
      const podNs = nsName(L, p.name);
      namespaces.push({ name: podNs, role: "pod", of: p.name, forwarding: false });
      links.push({
        // A backend pod also holds its Services' addresses, so it answers on them (services.ts).
        a: {
          ns: podNs,
          ifname: "eth0",
          addresses: [`${p.address}/32`, ...(serviceAddressesOf.get(p.name) ?? []).map((a) => `${a}/32`)],
        },
        b: { ns, ifname: `pod${k + 1}`, addresses: [`${gateway}/32`] },
        mtu: POD_MTU,
        purpose: `pod ${p.name}`,
      });
      routes.push({ ns: podNs, args: [gateway, "dev", "eth0", "scope", "link"] });
      routes.push({ ns: podNs, args: ["default", "via", gateway, "dev", "eth0"] });
      routes.push({ ns, args: [`${p.address}/32`, "dev", `pod${k + 1}`, "scope", "link"] });
    });
    for (const r of nodeServiceRoutes(lab, n)) {
      const k = n.pods.findIndex((p) => p.name === r.pod);
      routes.push({ ns, args: [`${r.address}/32`, "dev", `pod${k + 1}`, "scope", "link"] });
    }
  });
  return {
    lab: L,
    namespaces,
    bridges,
    links,
    vxlans,
    routes,
    relay: {
      ns: inet,
      address: `${UNDERLAY_NET}.1`,
      port: ZT_PORT,
      endpoints,
      baseline: pathBaselines(lab.zerotier.paths),
      root: { ns: root, address: ROOT_ADDRESS },
    },
  };
}
