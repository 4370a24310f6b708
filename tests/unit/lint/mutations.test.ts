// A table of mistakes made to a copy of the real configs (or, where the loader already refuses
// them, to a loaded Lab in memory): each must produce exactly the expected finding ids, at the
// expected file:line, on top of the seed's own findings.
import test from "ava";
import type { Finding, Severity } from "../../../lab/lint/lint.ts";
import { lintLab } from "../../../lab/lint/lint.ts";
import { loadLab } from "../../../lab/topology/load.ts";
import type { CiliumManifest, Lab } from "../../../lab/topology/model.ts";
import { birdParses, type Edit, lineOf, lintCopy, reresolve } from "../../fixtures/lint/lab-copy.ts";

const TOPO = "topology.yaml";
const HOME = "routers/router-home/bird.conf";
const MINE = "routers/router-mine/bird.conf";
const NETWORKS = "k8s/cilium/networks.yaml";
const PEER_CONFIG = "k8s/cilium/peer-config.yaml";
const VALUES = "k8s/cilium/values.yaml";

/** [file, text on the line, first occurrence after this text]. */
type Where = [file: string, needle: string, after?: string];

interface Expected {
  severity: Severity;
  id: string;
  at: Where;
  message?: RegExp;
}

interface Case {
  title: string;
  edits?: Edit[];
  /** In-memory change of the loaded Lab, for mistakes the loader refuses. */
  change?: (lab: Lab) => void;
  expect: Expected[];
  /** Seed findings this mistake removes (once per entry). */
  gone?: string[];
  /** What `bird -p` says about a changed bird.conf (checked when bird is installed). */
  bird?: { file: string; parses: boolean }[];
}

const err = (id: string, at: Where, message?: RegExp): Expected => ({ severity: "error", id, at, message });
const warn = (id: string, at: Where, message?: RegExp): Expected => ({
  severity: "warn",
  id,
  at,
  message,
});

const FAST_TIMERS = "\n  hold time 9;\n  keepalive time 3;\n  error wait time 1,5;";
const BFD_PROTOCOL =
  '\nprotocol bfd {\n  interface "zt*" {\n    interval 100 ms;\n    multiplier 3;\n  };\n}\n';
const ROUTER_PEER_HEAD = "template bgp router_peer {\n  local as 64515;";
const ROUTER_HOME_HEAD = "protocol bgp router_home {\n  local as 64513;";
const K8S_HEAD = "template bgp k8s {\n  local as 64513;";

function manifest(lab: Lab, kind: string, name: string): CiliumManifest {
  const m = lab.cilium.find((x) => x.kind === kind && x.metadata.name === name);
  if (!m) throw new Error(`no ${kind} ${name}`);
  return m;
}

interface RawClusterSpec {
  nodeSelector?: unknown;
  bgpInstances: { peers: { peerAddress: string; peerASN: number; peerConfigRef: { name: string } }[] }[];
}

const clusterSpec = (lab: Lab, name: string) =>
  manifest(lab, "CiliumBGPClusterConfig", name).spec as unknown as RawClusterSpec;
const firstPeer = (lab: Lab, name: string) =>
  clusterSpec(lab, name).bgpInstances[0]?.peers[0] as RawClusterSpec["bgpInstances"][0]["peers"][0];

const CASES: Case[] = [
  // --- bird.conf structure
  {
    title: "eBGP template without export (router-home k8s_peer)",
    edits: [
      {
        file: HOME,
        from: "template bgp k8s_peer {\n  local as 64515;\n  ipv4 {\n    import all;\n    export all;\n",
        to: "template bgp k8s_peer {\n  local as 64515;\n  ipv4 {\n    import all;\n",
      },
    ],
    expect: [
      err(
        "ebgp-without-policy",
        [HOME, "ipv4 {", "template bgp k8s_peer"],
        /yuuko_k8s .*no explicit export$/,
      ),
    ],
    bird: [{ file: HOME, parses: false }],
  },
  {
    title: "eBGP template channel without import and export: both protocols using it",
    edits: [
      {
        file: MINE,
        from: `${K8S_HEAD}\n  ipv4 {\n    import all;\n    export all;\n  };`,
        to: `${K8S_HEAD}\n  ipv4;`,
      },
    ],
    expect: [
      err("ebgp-without-policy", [MINE, "ipv4;", "template bgp k8s"], /sakamoto .*import and export/),
      err("ebgp-without-policy", [MINE, "ipv4;", "template bgp k8s"], /nano .*import and export/),
    ],
    bird: [{ file: MINE, parses: false }],
  },
  {
    title: "BGP protocol without a channel block",
    edits: [
      { file: MINE, from: "  ipv4 {\n    import all;\n    export all;\n    next hop self;\n  };\n", to: "" },
    ],
    expect: [err("bgp-no-channel", [MINE, "protocol bgp router_home"])],
    bird: [{ file: MINE, parses: true }],
  },
  {
    title: "no protocol device",
    edits: [{ file: MINE, from: "protocol device {\n}\n", to: "" }],
    expect: [err("no-device-protocol", [MINE, "# Router-Mine"])],
    bird: [{ file: MINE, parses: true }],
  },
  {
    title: "kernel exports none",
    edits: [{ file: HOME, from: "export where source != RTS_DEVICE;", to: "export none;" }],
    expect: [err("kernel-exports-nothing", [HOME, "export none;"])],
    bird: [{ file: HOME, parses: true }],
  },
  {
    title: "kernel channel without export",
    edits: [{ file: MINE, from: "    export where source != RTS_DEVICE;\n", to: "" }],
    expect: [err("kernel-exports-nothing", [MINE, "ipv4 {", "protocol kernel"], /no export/)],
    bird: [{ file: MINE, parses: true }],
  },
  {
    title: "no protocol kernel",
    edits: [
      {
        file: HOME,
        from: "protocol kernel {\n  ipv4 {\n    import none;\n    export where source != RTS_DEVICE;\n  };\n}\n",
        to: "",
      },
    ],
    expect: [err("no-kernel-protocol", [HOME, "# Router-Home"])],
    bird: [{ file: HOME, parses: true }],
  },
  {
    title: "router id differs from the topology",
    edits: [{ file: HOME, from: "router id 192.168.191.10;", to: "router id 192.168.191.11;" }],
    expect: [warn("router-id-mismatch", [HOME, "router id 192.168.191.11"])],
  },
  {
    title: "templates from an include, export forgotten there",
    edits: [
      {
        file: HOME,
        from: "template bgp k8s_peer {\n  local as 64515;\n  ipv4 {\n    import all;\n    export all;\n  };\n}\n",
        to: 'include "templates.conf";\n',
      },
      {
        file: "routers/router-home/templates.conf",
        write:
          "# k8s_peer moved here; its export was forgotten.\ntemplate bgp k8s_peer {\n  local as 64515;\n  ipv4 {\n    import all;\n  };\n}\n",
      },
    ],
    expect: [err("ebgp-without-policy", ["routers/router-home/templates.conf", "ipv4 {"])],
    bird: [{ file: HOME, parses: false }],
  },
  {
    title: "unterminated comment: config unreadable, its sessions skipped",
    edits: [
      { file: HOME, from: "router id 192.168.191.10;", to: "router id 192.168.191.10;\n/* unterminated" },
    ],
    expect: [err("bird-conf-unreadable", [HOME, "/* unterminated"])],
    gone: ["direct-all-interfaces", "vpn-failure-detection", "session-type"],
    bird: [{ file: HOME, parses: false }],
  },
  {
    title: "protocol direct on named interfaces: no note about every connected network",
    edits: [{ file: HOME, from: 'interface "*";', to: 'interface "eth1", "zt*";' }],
    expect: [],
    gone: ["direct-all-interfaces"],
    bird: [{ file: HOME, parses: true }],
  },
  // --- both ends of every session
  {
    title: "neighbor address that is no node of the site",
    edits: [{ file: MINE, from: "neighbor 192.168.6.81 as 64514;", to: "neighbor 192.168.6.82 as 64514;" }],
    expect: [
      err("bgp-unknown-neighbor", [MINE, "neighbor 192.168.6.82"]),
      err("cilium-peer-without-bird-session", [NETWORKS, "peerAddress: 192.168.6.1"], /^node nano dial/),
    ],
    gone: ["session-type"],
  },
  {
    title: "router expects the wrong ASN of a node",
    edits: [{ file: MINE, from: "neighbor 192.168.6.81 as 64514;", to: "neighbor 192.168.6.81 as 64515;" }],
    expect: [
      err(
        "bgp-peer-asn-mismatch",
        [MINE, "neighbor 192.168.6.81"],
        /nano in AS 64515, but nano speaks AS 64514/,
      ),
    ],
  },
  {
    title: "router expects the wrong ASN of the other router",
    edits: [
      { file: HOME, from: "neighbor 192.168.191.12 as 64513;", to: "neighbor 192.168.191.12 as 64512;" },
    ],
    expect: [err("bgp-peer-asn-mismatch", [HOME, "neighbor 192.168.191.12"], /router-mine speaks AS 64513/)],
  },
  {
    title: "bird.conf local as differs from the topology: both ends disagree",
    edits: [{ file: MINE, from: ROUTER_HOME_HEAD, to: "protocol bgp router_home {\n  local as 64512;" }],
    expect: [
      err("router-asn-mismatch", [MINE, "local as 64512"]),
      err("bgp-peer-asn-mismatch", [HOME, "neighbor 192.168.191.12"], /speaks AS 64512/),
    ],
  },
  {
    title: "router session configured on one side only",
    edits: [
      {
        file: MINE,
        from: `${ROUTER_HOME_HEAD}\n  neighbor 192.168.191.10 as 64515;\n  ipv4 {\n    import all;\n    export all;\n    next hop self;\n  };\n}\n`,
        to: "",
      },
    ],
    expect: [err("router-session-one-sided", [HOME, "neighbor 192.168.191.12"])],
    gone: ["vpn-failure-detection"],
  },
  {
    title: "a node dials the router, but the router has no protocol for it",
    edits: [
      { file: MINE, from: "protocol bgp nano from k8s {\n  neighbor 192.168.6.81 as 64514;\n}\n", to: "" },
    ],
    expect: [
      err(
        "cilium-peer-without-bird-session",
        [NETWORKS, "peerAddress: 192.168.6.1"],
        /^node nano dials router-mine/,
      ),
    ],
    gone: ["session-type"],
  },
  {
    title: "mine's nodes in the router's AS: the sessions become iBGP",
    edits: [
      { file: MINE, from: "neighbor 192.168.6.80 as 64514;", to: "neighbor 192.168.6.80 as 64513;" },
      { file: MINE, from: "neighbor 192.168.6.81 as 64514;", to: "neighbor 192.168.6.81 as 64513;" },
      {
        file: NETWORKS,
        from: "localASN: 64514\n      peers:\n        - name: router-mine",
        to: "localASN: 64513\n      peers:\n        - name: router-mine",
      },
    ],
    expect: [
      {
        severity: "info",
        id: "session-type",
        at: [MINE, "neighbor 192.168.6.80"],
        message: /sakamoto is iBGP \(both AS 64513\)/,
      },
      { severity: "info", id: "session-type", at: [MINE, "neighbor 192.168.6.81"], message: /nano is iBGP/ },
    ],
    gone: ["session-type", "session-type"],
  },
  // --- failure detection on the VPN
  {
    title: "fast timers on both routers: no VPN warning",
    edits: [
      { file: HOME, from: ROUTER_PEER_HEAD, to: ROUTER_PEER_HEAD + FAST_TIMERS },
      { file: MINE, from: ROUTER_HOME_HEAD, to: ROUTER_HOME_HEAD + FAST_TIMERS },
    ],
    expect: [],
    gone: ["vpn-failure-detection"],
    bird: [
      { file: HOME, parses: true },
      { file: MINE, parses: true },
    ],
  },
  {
    title: "fast hold on one side: negotiated hold is the smaller, error wait still 60 s",
    edits: [{ file: HOME, from: ROUTER_PEER_HEAD, to: `${ROUTER_PEER_HEAD}\n  hold time 9;` }],
    expect: [
      warn(
        "vpn-failure-detection",
        [HOME, "protocol bgp router_mine"],
        /negotiated hold 9 s = min of 9 and 240; keepalive 3\/3 s.*up to 69 s/,
      ),
    ],
    gone: ["vpn-failure-detection"],
  },
  {
    title: "BFD on both routers with a short error wait: no VPN warning",
    edits: [
      { file: HOME, from: ROUTER_PEER_HEAD, to: `${ROUTER_PEER_HEAD}\n  bfd on;\n  error wait time 1,5;` },
      { file: HOME, from: "protocol device {\n}\n", to: `protocol device {\n}\n${BFD_PROTOCOL}` },
      { file: MINE, from: ROUTER_HOME_HEAD, to: `${ROUTER_HOME_HEAD}\n  bfd on;\n  error wait time 1,5;` },
      { file: MINE, from: "protocol device {\n}\n", to: `protocol device {\n}\n${BFD_PROTOCOL}` },
    ],
    expect: [],
    gone: ["vpn-failure-detection"],
    bird: [
      { file: HOME, parses: true },
      { file: MINE, parses: true },
    ],
  },
  {
    title: "BFD on one router only",
    edits: [
      { file: HOME, from: ROUTER_PEER_HEAD, to: `${ROUTER_PEER_HEAD}\n  bfd on;` },
      { file: HOME, from: "protocol device {\n}\n", to: `protocol device {\n}\n${BFD_PROTOCOL}` },
    ],
    expect: [warn("bfd-one-sided", [HOME, "bfd on;"])],
  },
  {
    title: "bfd on without a protocol bfd",
    edits: [{ file: MINE, from: ROUTER_HOME_HEAD, to: `${ROUTER_HOME_HEAD}\n  bfd on;` }],
    expect: [warn("bfd-without-protocol", [MINE, "bfd on;"])],
  },
  // --- Cilium
  {
    title: "nodes redial every 5 s: no redial warning",
    edits: [{ file: PEER_CONFIG, from: "connectRetryTimeSeconds: 120", to: "connectRetryTimeSeconds: 5" }],
    expect: [],
    gone: ["node-redial-delay"],
  },
  {
    title: "graceful restart enabled: the warning goes",
    edits: [{ file: PEER_CONFIG, from: "enabled: false", to: "enabled: true" }],
    expect: [],
    gone: ["graceful-restart-off"],
  },
  {
    title: "graceful restart on in Cilium, off in the BIRD template",
    edits: [
      { file: PEER_CONFIG, from: "enabled: false", to: "enabled: true" },
      { file: MINE, from: K8S_HEAD, to: `${K8S_HEAD}\n  graceful restart off;` },
    ],
    expect: [
      warn("bird-graceful-restart-off", [MINE, "graceful restart off;"], /sakamoto/),
      warn("bird-graceful-restart-off", [MINE, "graceful restart off;"], /nano/),
    ],
    gone: ["graceful-restart-off"],
  },
  {
    title: "native-routing CIDR narrower than the pod CIDRs",
    edits: [
      {
        file: VALUES,
        from: "ipv4NativeRoutingCIDR: 10.42.0.0/16",
        to: "ipv4NativeRoutingCIDR: 10.42.0.0/24",
      },
    ],
    expect: [
      err(
        "pod-cidr-outside-native-routing",
        [VALUES, "ipv4NativeRoutingCIDR:"],
        /yuuko-k8s \(10\.42\.3\.0\/24\), nano \(10\.42\.1\.0\/24\)$/,
      ),
    ],
  },
  {
    title: "native routing without a native-routing CIDR",
    edits: [{ file: VALUES, from: "ipv4NativeRoutingCIDR: 10.42.0.0/16\n", to: "" }],
    expect: [err("native-routing-cidr-missing", [VALUES, "routingMode: native"])],
  },
  {
    title: "routing mode tunnel",
    edits: [{ file: VALUES, from: "routingMode: native", to: "routingMode: tunnel" }],
    expect: [warn("routing-mode-not-native", [VALUES, "routingMode: tunnel"])],
  },
  {
    title: "BGP control plane off",
    edits: [{ file: VALUES, from: "  enabled: true", to: "  enabled: false" }],
    expect: [err("bgp-control-plane-disabled", [VALUES, "enabled: false"])],
  },
  {
    title: "IPAM cluster-pool",
    edits: [{ file: VALUES, from: "mode: kubernetes", to: "mode: cluster-pool" }],
    expect: [warn("ipam-mode-not-kubernetes", [VALUES, "mode: cluster-pool"])],
  },
  {
    title: "no Helm values",
    edits: [{ file: VALUES, remove: true }],
    expect: [warn("helm-values-missing", [TOPO, "cilium: k8s/cilium"])],
  },
  {
    title: "ZeroTier MTU below the pod MTU",
    edits: [{ file: TOPO, from: "  mtu: 2800", to: "  mtu: 1400" }],
    expect: [warn("mtu-below-pod-mtu", [TOPO, "mtu: 1400"], /ZeroTier \(1400\)/)],
  },
  // --- in memory: the loader refuses these files, lint must still find them in a Lab
  {
    title: "ClusterConfig selector matches none of mine's nodes",
    change: (lab) => {
      clusterSpec(lab, "cilium-bgp").nodeSelector = { matchLabels: { "node-type": "local" } };
      reresolve(lab);
    },
    expect: [
      err("node-without-clusterconfig", [TOPO, "name: sakamoto"]),
      err("node-without-clusterconfig", [TOPO, "name: nano"]),
      err("bird-session-without-cilium-peer", [MINE, "neighbor 192.168.6.80"]),
      err("bird-session-without-cilium-peer", [MINE, "neighbor 192.168.6.81"]),
    ],
    gone: ["session-type", "session-type", "nodes-share-asn"],
  },
  {
    title: "two ClusterConfigs select the same nodes",
    change: (lab) => {
      clusterSpec(lab, "cilium-bgp-remote").nodeSelector = {};
    },
    expect: [
      err("node-conflicting-clusterconfig", [TOPO, "name: sakamoto"], /cilium-bgp, cilium-bgp-remote/),
      err("node-conflicting-clusterconfig", [TOPO, "name: nano"]),
    ],
  },
  {
    title: "peerConfigRef to a missing PeerConfig",
    change: (lab) => {
      firstPeer(lab, "cilium-bgp").peerConfigRef.name = "l3-bgp-peer-cfg";
      reresolve(lab);
    },
    expect: [
      err("peer-config-missing", [NETWORKS, "name: l3-bgp-peer-config"], /nodes sakamoto, nano/),
      err("bird-session-without-cilium-peer", [MINE, "neighbor 192.168.6.80"]),
      err("bird-session-without-cilium-peer", [MINE, "neighbor 192.168.6.81"]),
    ],
    gone: ["session-type", "session-type", "nodes-share-asn"],
  },
  {
    title: "PeerConfig family without an advertisements selector",
    change: (lab) => {
      const spec = manifest(lab, "CiliumBGPPeerConfig", "l3-bgp-peer-config").spec as {
        families: Record<string, unknown>[];
      };
      delete spec.families[0]?.advertisements;
      reresolve(lab);
    },
    expect: [
      warn("family-without-advertisements", [PEER_CONFIG, "afi: ipv4"]),
      err("node-advertises-nothing", [TOPO, "name: yuuko-k8s"]),
      err("node-advertises-nothing", [TOPO, "name: sakamoto"]),
      err("node-advertises-nothing", [TOPO, "name: nano"]),
    ],
  },
  {
    title: "a mine node labelled remote peers off its LAN",
    change: (lab) => {
      const nano = lab.nodes.find((n) => n.name === "nano");
      if (nano) nano.labels = { "node-type": "remote" };
      reresolve(lab);
    },
    expect: [
      err("cilium-peer-off-lan", [NETWORKS, "peerAddress: 192.168.0.1"], /^node nano \(site mine\)/),
      err("bird-session-without-cilium-peer", [MINE, "neighbor 192.168.6.81"]),
    ],
    gone: ["session-type"],
  },
  {
    title: "a ClusterConfig peer on the LAN that is not the router",
    change: (lab) => {
      firstPeer(lab, "cilium-bgp-remote").peerAddress = "192.168.0.2";
      reresolve(lab);
    },
    expect: [
      err("cilium-peer-not-router", [NETWORKS, "peerAddress: 192.168.0.1"]),
      err("bird-session-without-cilium-peer", [HOME, "neighbor 192.168.0.81"]),
    ],
    gone: ["session-type"],
  },
  {
    title: "Cilium peerASN differs from the router's local as",
    change: (lab) => {
      firstPeer(lab, "cilium-bgp").peerASN = 64512;
      reresolve(lab);
    },
    expect: [
      err("bgp-peer-asn-mismatch", [NETWORKS, "peerASN: 64513"], /peerASN 64512 of nodes sakamoto, nano/),
    ],
  },
  {
    title: "topology router asn differs from bird.conf",
    change: (lab) => {
      const mine = lab.routers.find((r) => r.name === "router-mine");
      if (mine) mine.asn = 64512;
    },
    expect: [
      err("router-asn-mismatch", [MINE, "local as 64513", "template bgp k8s"], /sakamoto, nano/),
      err("router-asn-mismatch", [MINE, "local as 64513", "protocol bgp router_home"]),
    ],
  },
];

let baseline: Promise<string[]> | undefined;
const seedIds = () => {
  baseline ??= loadLab().then((lab) => lintLab(lab).map((f) => f.id));
  return baseline;
};

for (const c of CASES) {
  test(c.title, async (t) => {
    const expectedIds = [...(await seedIds())];
    for (const id of c.gone ?? []) {
      const i = expectedIds.indexOf(id);
      t.true(i >= 0, `the seed has no ${id} to lose`);
      expectedIds.splice(i, 1);
    }
    expectedIds.push(...c.expect.map((e) => e.id));
    const { copy, findings } = await lintCopy(c.edits ?? [], c.change);
    try {
      const show = (f: Finding) => `${f.severity} ${f.id} ${copy.rel(f)}:${f.line}: ${f.message}`;
      t.deepEqual(findings.map((f) => f.id).sort(), expectedIds.sort(), findings.map(show).join("\n"));
      const pool = [...findings];
      for (const e of c.expect) {
        const [file, needle, after] = e.at;
        const line = lineOf(copy.dir, file, needle, after);
        const i = pool.findIndex(
          (f) =>
            f.id === e.id &&
            copy.rel(f) === file &&
            f.line === line &&
            (e.message === undefined || e.message.test(f.message)),
        );
        t.true(i >= 0, `expected ${e.id} at ${file}:${line}${e.message ? ` matching ${e.message}` : ""}`);
        const [f] = pool.splice(i, 1);
        if (f) t.is(f.severity, e.severity, `${e.id} severity`);
      }
      for (const b of c.bird ?? []) {
        const parses = birdParses(copy.path(b.file));
        if (parses !== null) t.is(parses, b.parses, `bird -p on ${b.file}`);
      }
    } finally {
      copy.dispose();
    }
  });
}
