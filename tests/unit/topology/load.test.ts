import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import test, { type ExecutionContext } from "ava";
import { checkBirdConfig } from "../../../lab/bird/check.ts";
import { formatDiagnostic, ValidationError } from "../../../lab/config/diagnostics.ts";
import * as ip from "../../../lab/topology/ipv4.ts";
import {
  type BirdConfigCheck,
  DEFAULT_TOPOLOGY_FILE,
  type LoadOptions,
  loadLab,
} from "../../../lab/topology/load.ts";
import type { K8sNode, Lab, NodePeer } from "../../../lab/topology/model.ts";

const CONFIGS = fileURLToPath(new URL("../../../configs/", import.meta.url));
/** Stands for the temporary copy of configs/ in expected error lines. */
const DIR = "<configs>";

// ---------------------------------------------------------------------------------------------
// The real configs/topology.yaml

const lab = await loadLab();

function node(l: Lab, name: string): K8sNode {
  const n = l.nodes.find((x) => x.name === name);
  if (!n) throw new Error(`no node ${name}`);
  return n;
}

function peers(n: K8sNode): NodePeer[] {
  return n.bgp?.instances.flatMap((i) => i.peers) ?? [];
}

test("configs/topology.yaml loads: 2 sites, 2 routers, 3 nodes", (t) => {
  t.is(lab.topologyFile, DEFAULT_TOPOLOGY_FILE);
  t.is(lab.name, "xsite");
  t.deepEqual(
    lab.sites.map((s) => [s.name, s.lan.text, s.router]),
    [
      ["home", "192.168.0.0/24", "router-home"],
      ["mine", "192.168.6.0/24", "router-mine"],
    ],
  );
  t.deepEqual(
    lab.routers.map((r) => [r.name, r.site, r.asn, r.lanAddress, r.zerotierAddress, r.routerId]),
    [
      ["router-home", "home", 64515, "192.168.0.1", "192.168.191.10", "192.168.191.10"],
      ["router-mine", "mine", 64513, "192.168.6.1", "192.168.191.12", "192.168.6.1"],
    ],
  );
  for (const r of lab.routers) t.true(existsSync(r.birdConf), r.birdConf);
  t.deepEqual(
    lab.nodes.map((n) => [n.name, n.site, n.address, n.podCidr.text, n.role]),
    [
      ["yuuko-k8s", "home", "192.168.0.81", "10.42.3.0/24", "worker"],
      ["sakamoto", "mine", "192.168.6.80", "10.42.0.0/24", "control-plane"],
      ["nano", "mine", "192.168.6.81", "10.42.1.0/24", "worker"],
    ],
  );
  t.is(lab.cluster.podCidr.text, "10.42.0.0/16");
  t.is(lab.cluster.serviceCidr.text, "10.43.0.0/16");
  t.is(lab.zerotier.network.text, "192.168.191.0/24");
  t.is(lab.zerotier.mtu, 2800);
  t.truthy(lab.cluster.helmValues);
  t.deepEqual(lab.cilium.map((m) => `${m.kind}/${m.metadata.name}`).sort(), [
    "CiliumBGPAdvertisement/pod-cidr",
    "CiliumBGPClusterConfig/cilium-bgp",
    "CiliumBGPClusterConfig/cilium-bgp-remote",
    "CiliumBGPPeerConfig/l3-bgp-peer-config",
  ]);
});

test("yuuko-k8s is owned by cilium-bgp-remote and peers with 192.168.0.1 AS 64515", (t) => {
  const yuuko = node(lab, "yuuko-k8s");
  t.deepEqual(yuuko.labels, { "node-type": "remote" });
  t.is(yuuko.bgp?.clusterConfig, "cilium-bgp-remote");
  t.deepEqual(yuuko.bgp?.skipped, []);
  t.deepEqual(
    peers(yuuko).map((p) => [p.peerAddress, p.peerASN, p.peerConfig]),
    [["192.168.0.1", 64515, "l3-bgp-peer-config"]],
  );
  t.is(yuuko.bgp?.instances[0]?.localASN, 64514);
});

test("sakamoto and nano are owned by cilium-bgp and peer with 192.168.6.1 AS 64513", (t) => {
  for (const name of ["sakamoto", "nano"]) {
    const n = node(lab, name);
    t.is(n.bgp?.clusterConfig, "cilium-bgp", name);
    t.deepEqual(
      peers(n).map((p) => [p.peerAddress, p.peerASN]),
      [["192.168.6.1", 64513]],
      name,
    );
    t.is(n.bgp?.instances[0]?.localASN, 64514);
  }
});

test("every node advertises exactly its own pod CIDR", (t) => {
  for (const n of lab.nodes) {
    t.deepEqual(
      peers(n).flatMap((p) => p.families.flatMap((f) => f.advertised)),
      [n.podCidr.text],
      n.name,
    );
  }
});

test("pods get addresses inside their node's pod CIDR, distinct, not the gateway", (t) => {
  const all = lab.nodes.flatMap((n) => n.pods);
  t.is(all.length, 6);
  t.is(new Set(all.map((p) => p.address)).size, all.length);
  for (const n of lab.nodes) {
    t.is(n.pods.length, 2, n.name);
    for (const p of n.pods) {
      t.is(p.node, n.name);
      t.true(ip.contains(n.podCidr, p.address), `${p.address} in ${n.podCidr.text}`);
      t.false(ip.isNetworkOrBroadcast(n.podCidr, p.address));
      t.not(p.address, ip.nthHost(n.podCidr, 1), ".1 is the node's gateway for its pods");
    }
  }
  t.deepEqual(
    node(lab, "yuuko-k8s").pods.map((p) => [p.name, p.address]),
    [
      ["yuuko-k8s-pod1", "10.42.3.10"],
      ["yuuko-k8s-pod2", "10.42.3.11"],
    ],
  );
});

test("the seed's WAN path between the sites is in the model, where it was written", (t) => {
  t.deepEqual(lab.zerotier.paths, [
    {
      sites: ["home", "mine"],
      rttMs: 20,
      jitterMs: 1,
      lossPct: 0,
      source: { file: DEFAULT_TOPOLOGY_FILE, line: 20, col: 7 },
    },
  ]);
});

test("positions of the model point into the topology file", (t) => {
  t.deepEqual(node(lab, "nano").source, { file: DEFAULT_TOPOLOGY_FILE, line: 61, col: 5 });
  t.deepEqual(lab.routers[1]?.source, { file: DEFAULT_TOPOLOGY_FILE, line: 39, col: 5 });
});

// ---------------------------------------------------------------------------------------------
// Bad inputs: a temporary copy of configs/ with one small edit, and the exact error lines.

/** One change to a file of the copy (paths relative to configs/). */
type Edit =
  | { file: string; replace: string; with: string } // `replace` must occur exactly once
  | { file: string; content: string } // the whole file
  | { file: string; append: string }
  | { file: string; remove: true };

function copyConfigs(t: ExecutionContext): string {
  const dir = mkdtempSync(join(tmpdir(), "topology-load-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(CONFIGS, dir, { recursive: true });
  return dir;
}

function applyEdit(dir: string, e: Edit): void {
  const file = join(dir, e.file);
  if ("remove" in e) {
    rmSync(file, { recursive: true });
  } else if ("content" in e) {
    writeFileSync(file, e.content);
  } else if ("append" in e) {
    writeFileSync(file, readFileSync(file, "utf8") + e.append);
  } else {
    const text = readFileSync(file, "utf8");
    const count = text.split(e.replace).length - 1;
    if (count !== 1)
      throw new Error(`test setup: ${JSON.stringify(e.replace)} occurs ${count} times in ${e.file}`);
    writeFileSync(
      file,
      text.replace(e.replace, () => e.with),
    );
  }
}

/** Loads the edited copy and returns the formatted error lines, the temp dir replaced by DIR. */
async function errorLines(t: ExecutionContext, edits: Edit[], opts: LoadOptions = {}): Promise<string[]> {
  const dir = copyConfigs(t);
  for (const e of edits) applyEdit(dir, e);
  const err = await t.throwsAsync(loadLab(join(dir, "topology.yaml"), opts), { instanceOf: ValidationError });
  if (!(err instanceof ValidationError)) return [];
  // The message lists the same lines as the diagnostics.
  t.true(err.message.endsWith(err.diagnostics.map(formatDiagnostic).join("\n")));
  return err.diagnostics.map((d) => formatDiagnostic(d).split(dir).join(DIR));
}

const rejects = test.macro({
  async exec(t, edits: Edit[], expected: string[]) {
    t.deepEqual(await errorLines(t, edits), expected);
  },
  title: (provided = "") => `rejects: ${provided}`,
});

const topo = "topology.yaml";
const networks = "k8s/cilium/networks.yaml";
const peerConfig = "k8s/cilium/peer-config.yaml";
const advertisement = "k8s/cilium/advertisement.yaml";
const T = `${DIR}/${topo}`;
const N = `${DIR}/${networks}`;

// -- pass 1: reading and YAML syntax

test(
  "an empty topology file",
  rejects,
  [{ file: topo, content: "" }],
  [`${T}:1:1: the topology file is empty (start with \`name:\`, \`sites:\`, \`routers:\` and \`nodes:\`)`],
);

test(
  "a topology file holding only comments",
  rejects,
  [{ file: topo, content: "# nothing yet\n" }],
  [`${T}:1:1: the topology file is empty (start with \`name:\`, \`sites:\`, \`routers:\` and \`nodes:\`)`],
);

test(
  "a list instead of a mapping",
  rejects,
  [{ file: topo, content: "- name: xsite\n- sites: []\n" }],
  [
    `${T}:1:1: the topology must be a mapping (start with \`name:\`, \`sites:\`, \`routers:\` and \`nodes:\`)`,
  ],
);

test(
  "two YAML documents",
  rejects,
  [{ file: topo, append: "---\nname: other\n" }],
  [`${T}:1:1: expected exactly one YAML document, found 2 (remove the extra --- separators)`],
);

test(
  "a missing topology file",
  rejects,
  [{ file: topo, remove: true }],
  [`${T}:1:1: cannot read the topology file: ENOENT (pass an existing file with --topology)`],
);

test(
  "YAML syntax error: an unclosed flow sequence, with line and column",
  rejects,
  [{ file: topo, replace: "  - name: nano", with: "  - name: [nano" }],
  [
    `${T}:62:5: YAML syntax error: missed comma between flow collection entries (check indentation and quoting)`,
  ],
);

test(
  "a node named like the ZeroTier root's namespace",
  rejects,
  [{ file: topo, replace: "  - name: nano\n", with: "  - name: zt-root\n" }],
  [`${T}:61:11: nodes[2].name: name "zt-root" is the namespace name of the lab's ZeroTier root (rename it)`],
);

test(
  "YAML syntax error: a key indented one space too little",
  rejects,
  [{ file: topo, replace: "    asn: 64515", with: "   asn: 64515" }],
  [`${T}:34:4: YAML syntax error: bad indentation of a sequence entry (check indentation and quoting)`],
);

test(
  "YAML syntax error: a duplicated key",
  rejects,
  [{ file: topo, replace: "    asn: 64515\n", with: "    asn: 64515\n    asn: 64516\n" }],
  [`${T}:35:5: YAML syntax error: duplicated mapping key (check indentation and quoting)`],
);

test(
  "an alias bomb in the topology is refused before anything walks it",
  rejects,
  [
    {
      file: topo,
      replace: "name: xsite\n",
      with: `name: xsite\nx0: &x0 [a, a, a, a, a, a, a, a, a, a]\n${Array.from(
        { length: 9 },
        (_, i) => `x${i + 1}: &x${i + 1} [${Array(10).fill(`*x${i}`).join(", ")}]\n`,
      ).join("")}`,
    },
  ],
  [
    `${T}:6:1: document has more than 100000 values once its aliases are expanded (nested or recursive aliases) (write the values out instead of nesting aliases inside anchored collections)`,
  ],
);

// -- pass 2: JSON schema

test(
  "an unknown key, with a did-you-mean hint",
  rejects,
  [{ file: topo, replace: "    asn: 64515\n", with: "    asn: 64515\n    asm: 1\n" }],
  [`${T}:35:5: routers[0].asm: unknown key "asm" (did you mean "asn"?)`],
);

test(
  "an unknown key nothing resembles lists the known keys",
  rejects,
  [{ file: topo, replace: "  mtu: 2800\n", with: "  mtu: 2800\n  latency: 10\n" }],
  [`${T}:16:3: zerotier.latency: unknown key "latency" (known keys: network, mtu, paths)`],
);

test(
  "a WAN path time without a unit",
  rejects,
  [
    {
      file: topo,
      replace: "      loss: 0%\n",
      with:
        "      loss: 0%\n    - sites: [home, mien]\n      rtt: 5ms\n    - sites: [home, home]\n      rtt: 5ms\n" +
        "    - sites: [mine, home]\n      rtt: 30ms\n      jitter: 2\n",
    },
  ],
  [`${T}:30:15: zerotier.paths[3].jitter: must be a string (A number and a unit: us, ms or s, e.g. 20ms.)`],
);

test(
  "WAN paths between unknown or equal sites, or given twice",
  rejects,
  [
    {
      file: topo,
      replace: "      loss: 0%\n",
      with:
        "      loss: 0%\n    - sites: [home, mien]\n      rtt: 5ms\n    - sites: [home, home]\n      rtt: 5ms\n" +
        "    - sites: [mine, home]\n      rtt: 200s\n",
    },
  ],
  [
    `${T}:24:21: zerotier.paths[1].sites[1]: unknown site "mien" (did you mean "mine"?)`,
    `${T}:26:14: zerotier.paths[2].sites: a path joins two different sites, got "home" twice (name the other site)`,
    `${T}:28:14: zerotier.paths[3].sites: the path between "mine" and "home" is given twice (also at zerotier.paths[0]: keep one)`,
    `${T}:29:12: zerotier.paths[3].rtt: rtt 200s is more than 120s (use a realistic round trip, e.g. 20ms)`,
  ],
);

test(
  "a wrong type: asn as a string",
  rejects,
  [{ file: topo, replace: "asn: 64515", with: 'asn: "abc"' }],
  [`${T}:34:10: routers[0].asn: must be an integer`],
);

// -- capacity: limits that follow from the prefixes, not from a fixed cap

test(
  "a site whose LAN cannot hold its router and nodes: one error naming the prefix to widen",
  rejects,
  [{ file: topo, replace: "lan: 192.168.6.0/24", with: "lan: 192.168.6.0/30" }],
  [
    `${T}:29:10: sites[1].lan: site "mine" has 2 nodes and 1 router, but its LAN 192.168.6.0/30 holds 2 host addresses (widen the LAN to /29 or move 1 node to another site)`,
  ],
);

test(
  "a ZeroTier network that cannot hold the routers",
  rejects,
  [{ file: topo, replace: "network: 192.168.191.0/24", with: "network: 192.168.191.10/32" }],
  [
    `${T}:14:12: zerotier.network: 2 routers join the ZeroTier network, but 192.168.191.10/32 holds 1 host address (widen it to /31)`,
  ],
);

/** `count` worker nodes at mine, .100 upwards, pod CIDRs 10.42.100.0/24 upwards. */
function mineNodes(count: number, lan = "192.168.6"): string {
  return Array.from(
    { length: count },
    (_, k) =>
      `  - name: w${k}\n    site: mine\n    address: ${lan}.${(100 + k) % 256}\n    podCIDR: 10.42.${100 + k}.0/24\n    pods: 0\n`,
  ).join("");
}

test("more than the old cap of 64 nodes loads: 100 nodes at one site", async (t) => {
  const dir = copyConfigs(t);
  applyEdit(dir, { file: topo, append: mineNodes(97) });
  const big = await loadLab(join(dir, topo));
  t.is(big.nodes.length, 100);
  t.is(big.nodes.filter((n) => n.site === "mine").length, 99);
  t.is(big.nodes.at(-1)?.bgp?.clusterConfig, "cilium-bgp");
});

test(
  "254 nodes and a router do not fit a /24: the capacity error, not 255 address errors",
  rejects,
  [{ file: topo, append: mineNodes(252) }],
  [
    `${T}:29:10: sites[1].lan: site "mine" has 254 nodes and 1 router, but its LAN 192.168.6.0/24 holds 254 host addresses (widen the LAN to /23 or move 1 node to another site)`,
  ],
);

test(
  "an address that is not dotted-quad shaped",
  rejects,
  [{ file: topo, replace: "address: 192.168.6.81", with: "address: nano.local" }],
  [`${T}:63:14: nodes[2].address: does not match the expected format (pattern ^\\d{1,3}(\\.\\d{1,3}){3}$)`],
);

test(
  "a missing required key",
  rejects,
  [{ file: topo, replace: "    bird: routers/router-mine/bird.conf\n", with: "" }],
  [`${T}:39:5: routers[1]: missing required key "bird" (add "bird:" here)`],
);

test(
  "a label value Kubernetes would refuse",
  rejects,
  [{ file: topo, replace: "node-type: remote", with: "node-type: remote site" }],
  [
    `${T}:53:18: nodes[0].labels.node-type: does not match the expected format (pattern ^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$)`,
  ],
);

test(
  "every schema problem of the file at once",
  rejects,
  [
    { file: topo, replace: "name: xsite", with: "name: Xsite-Lab" },
    { file: topo, replace: "  cilium: k8s/cilium\n", with: "  cilium: k8s/cilium\n  extra: 1\n" },
    { file: topo, replace: "mtu: 2800", with: "mtu: 100" },
    { file: topo, replace: "asn: 64513", with: "asn: -1" },
    { file: topo, replace: "    pods: 2\n  - name: nano", with: "    pods: many\n  - name: nano" },
    { file: topo, replace: "role: control-plane", with: "role: master" },
  ],
  [
    `${T}:6:7: name: does not match the expected format (Lab name: the prefix of every namespace and file the lab creates. Lowercase letters and digits, at most 8.)`,
    `${T}:12:3: cluster.extra: unknown key "extra" (known keys: podCIDR, serviceCIDR, cilium, nodeMonitorGracePeriod, notReadyToleration)`,
    `${T}:16:8: zerotier.mtu: must be >= 1280 (ZeroTier interface MTU (ZeroTier's default is 2800).)`,
    `${T}:42:10: routers[1].asn: must be >= 1`,
    `${T}:60:11: nodes[1].role: is not an allowed value (one of: control-plane, worker)`,
    `${T}:61:11: nodes[1].pods: must be an integer (Number of test pods on the node.)`,
  ],
);

// -- pass 3: names and references

test(
  "a duplicate node name",
  rejects,
  [{ file: topo, replace: "name: nano", with: "name: sakamoto" }],
  [
    `${T}:61:11: nodes[2].name: duplicate name "sakamoto" (also used at nodes[1].name (line 55); names of sites, routers and nodes must be unique)`,
  ],
);

test(
  "a node named like a router (they share one namespace)",
  rejects,
  [{ file: topo, replace: "name: nano", with: "name: router-mine" }],
  [
    `${T}:61:11: nodes[2].name: duplicate name "router-mine" (also used at routers[1].name (line 39); names of sites, routers and nodes must be unique)`,
  ],
);

test(
  "an unknown site reference",
  rejects,
  [
    {
      file: topo,
      replace: "    site: mine\n    address: 192.168.6.81",
      with: "    site: mien\n    address: 192.168.6.81",
    },
  ],
  [`${T}:62:11: nodes[2].site: unknown site "mien" (did you mean "mine"?)`],
);

test(
  "a site without a router (and so one with two)",
  rejects,
  [{ file: topo, replace: "    site: home\n    asn", with: "    site: mine\n    asn" }],
  [
    `${T}:26:5: sites[0]: site "home" has 0 routers (each site needs exactly one router (its nodes' gateway and BGP peer))`,
    `${T}:28:5: sites[1]: site "mine" has 2 routers (each site needs exactly one router (its nodes' gateway and BGP peer))`,
  ],
);

test(
  "no control-plane node",
  rejects,
  [{ file: topo, replace: "    role: control-plane\n", with: "" }],
  [
    `${T}:48:3: nodes: no node has role control-plane (mark the node running the API server with \`role: control-plane\`)`,
  ],
);

// -- pass 4: addresses, LANs, pod CIDRs

test(
  "a duplicate address",
  rejects,
  [{ file: topo, replace: "address: 192.168.6.81", with: "address: 192.168.6.80" }],
  [
    `${T}:63:14: nodes[2].address: address 192.168.6.80 is already used by nodes[1].address (every interface needs its own address)`,
  ],
);

test(
  "a node using its router's address",
  rejects,
  [{ file: topo, replace: "address: 192.168.6.81", with: "address: 192.168.6.1" }],
  [
    `${T}:63:14: nodes[2].address: address 192.168.6.1 is already used by routers[1].lanAddress (every interface needs its own address)`,
  ],
);

test(
  "a router address outside its LAN",
  rejects,
  [{ file: topo, replace: "lanAddress: 192.168.0.1", with: "lanAddress: 192.168.1.1" }],
  [
    `${T}:36:17: routers[0].lanAddress: 192.168.1.1 is outside the LAN of site "home" 192.168.0.0/24 (pick an address in 192.168.0.0/24)`,
  ],
);

test(
  "a ZeroTier address outside the ZeroTier network",
  rejects,
  [{ file: topo, replace: "zerotierAddress: 192.168.191.12", with: "zerotierAddress: 192.168.190.12" }],
  [
    `${T}:44:22: routers[1].zerotierAddress: 192.168.190.12 is outside the ZeroTier network 192.168.191.0/24 (pick an address in 192.168.191.0/24)`,
  ],
);

test(
  "a node address outside its site's LAN",
  rejects,
  [{ file: topo, replace: "address: 192.168.6.81", with: "address: 192.168.7.81" }],
  [
    `${T}:63:14: nodes[2].address: 192.168.7.81 is outside the LAN of site "mine" 192.168.6.0/24 (pick an address in 192.168.6.0/24)`,
  ],
);

test(
  "a node address in the other site's LAN",
  rejects,
  [{ file: topo, replace: "address: 192.168.0.81", with: "address: 192.168.6.82" }],
  [
    `${T}:50:14: nodes[0].address: 192.168.6.82 is outside the LAN of site "home" 192.168.0.0/24 (pick an address in 192.168.0.0/24)`,
  ],
);

test(
  "the broadcast address of the LAN",
  rejects,
  [{ file: topo, replace: "address: 192.168.6.81", with: "address: 192.168.6.255" }],
  [
    `${T}:63:14: nodes[2].address: 192.168.6.255 is the network or broadcast address of 192.168.6.0/24 (pick a host address)`,
  ],
);

test(
  "the network address of the LAN",
  rejects,
  [{ file: topo, replace: "lanAddress: 192.168.6.1", with: "lanAddress: 192.168.6.0" }],
  [
    `${T}:43:17: routers[1].lanAddress: 192.168.6.0 is the network or broadcast address of 192.168.6.0/24 (pick a host address)`,
  ],
);

test(
  "an octet over 255 (the schema only checks the shape)",
  rejects,
  [{ file: topo, replace: "routerId: 192.168.6.1", with: "routerId: 192.168.6.300" }],
  [`${T}:42:15: routers[1].routerId: "192.168.6.300" is not an IPv4 address (write it as a.b.c.d)`],
);

test(
  "a pod CIDR outside the cluster CIDR",
  rejects,
  [{ file: topo, replace: "podCIDR: 10.42.1.0/24", with: "podCIDR: 10.44.1.0/24" }],
  [
    `${T}:64:14: nodes[2].podCIDR: 10.44.1.0/24 is outside the cluster pod CIDR 10.42.0.0/16 (node pod CIDRs are carved from cluster.podCIDR)`,
  ],
);

test(
  "overlapping pod CIDRs",
  rejects,
  [{ file: topo, replace: "podCIDR: 10.42.1.0/24", with: "podCIDR: 10.42.0.0/23" }],
  [
    `${T}:64:14: nodes[2].podCIDR: 10.42.0.0/23 overlaps the pod CIDR of node "sakamoto" (10.42.0.0/24) (each node needs its own pod CIDR)`,
  ],
);

test(
  "a pod CIDR with host bits set",
  rejects,
  [{ file: topo, replace: "podCIDR: 10.42.1.0/24", with: "podCIDR: 10.42.1.5/24" }],
  [`${T}:64:14: nodes[2].podCIDR: "10.42.1.5/24" has host bits set (did you mean 10.42.1.0/24?)`],
);

test(
  "a pod CIDR too small for the pods (they take .10 upwards)",
  rejects,
  [{ file: topo, replace: "podCIDR: 10.42.1.0/24\n    pods: 2", with: "podCIDR: 10.42.1.0/28\n    pods: 6" }],
  [
    `${T}:64:14: nodes[2].podCIDR: 10.42.1.0/28 is too small for 6 pods (pods take host addresses .10 upwards; use a /24 per node as k3s does)`,
  ],
);

test(
  "a service CIDR overlapping the pod CIDR, and a LAN inside the ZeroTier network",
  rejects,
  [
    { file: topo, replace: "serviceCIDR: 10.43.0.0/16", with: "serviceCIDR: 10.42.128.0/17" },
    { file: topo, replace: "lan: 192.168.6.0/24", with: "lan: 192.168.191.0/25" },
    { file: topo, replace: "lanAddress: 192.168.6.1", with: "lanAddress: 192.168.191.1" },
    { file: topo, replace: "address: 192.168.6.80", with: "address: 192.168.191.80" },
    { file: topo, replace: "address: 192.168.6.81", with: "address: 192.168.191.81" },
  ],
  [
    `${T}:10:16: cluster.serviceCIDR: overlaps the pod CIDR (k3s uses 10.42.0.0/16 for pods and 10.43.0.0/16 for services)`,
    `${T}:29:10: sites[1].lan: overlaps the ZeroTier network (192.168.191.0/24)`,
  ],
);

test(
  "every address problem at once",
  rejects,
  [
    { file: topo, replace: "lanAddress: 192.168.0.1", with: "lanAddress: 192.168.1.1" },
    { file: topo, replace: "address: 192.168.6.81", with: "address: 192.168.6.80" },
    { file: topo, replace: "podCIDR: 10.42.3.0/24", with: "podCIDR: 10.43.3.0/24" },
    { file: topo, replace: "podCIDR: 10.42.1.0/24", with: "podCIDR: 10.42.0.128/25" },
  ],
  [
    `${T}:36:17: routers[0].lanAddress: 192.168.1.1 is outside the LAN of site "home" 192.168.0.0/24 (pick an address in 192.168.0.0/24)`,
    `${T}:51:14: nodes[0].podCIDR: 10.43.3.0/24 is outside the cluster pod CIDR 10.42.0.0/16 (node pod CIDRs are carved from cluster.podCIDR)`,
    `${T}:63:14: nodes[2].address: address 192.168.6.80 is already used by nodes[1].address (every interface needs its own address)`,
    `${T}:64:14: nodes[2].podCIDR: 10.42.0.128/25 overlaps the pod CIDR of node "sakamoto" (10.42.0.0/24) (each node needs its own pod CIDR)`,
  ],
);

// -- pass 5: files and Cilium manifests

test(
  "a missing bird.conf",
  rejects,
  [{ file: "routers/router-home/bird.conf", remove: true }],
  [
    `${T}:38:11: routers[0].bird: BIRD config ${DIR}/routers/router-home/bird.conf does not exist (the path is relative to the topology file)`,
  ],
);

test(
  "a bird path naming a folder",
  rejects,
  [{ file: topo, replace: "bird: routers/router-mine/bird.conf", with: "bird: routers/router-mine" }],
  [`${T}:45:11: routers[1].bird: BIRD config ${DIR}/routers/router-mine is not a file`],
);

test(
  "a missing Cilium folder",
  rejects,
  [{ file: "k8s/cilium", remove: true }],
  [
    `${T}:11:11: cluster.cilium: cannot read the Cilium manifest folder ${DIR}/k8s/cilium: ENOENT: no such file or directory, scandir '${DIR}/k8s/cilium' (the path is relative to the topology file)`,
  ],
);

test(
  "a Cilium folder with only Helm values",
  rejects,
  [
    { file: networks, remove: true },
    { file: peerConfig, remove: true },
    { file: advertisement, remove: true },
  ],
  [
    `${T}:11:11: cluster.cilium: no Cilium manifests (*.yaml) in ${DIR}/k8s/cilium (put the CiliumBGPClusterConfig, PeerConfig and Advertisement manifests there)`,
  ],
);

test(
  "a misspelt field (peerAsn) rejected by the upstream CRD schema",
  rejects,
  [{ file: networks, replace: "          peerASN: 64515", with: "          peerAsn: 64515" }],
  [`${N}:38:11: spec.bgpInstances[0].peers[0].peerAsn: unknown key "peerAsn" (did you mean "peerASN"?)`],
);

test(
  "a CRD type and range error",
  rejects,
  [
    { file: peerConfig, replace: "holdTimeSeconds: 90", with: "holdTimeSeconds: 2" },
    { file: peerConfig, replace: "peerPort: 179", with: "peerPort: http" },
  ],
  [
    `${DIR}/${peerConfig}:11:15: spec.transport.peerPort: must be an integer (PeerPort is the peer port to be used for the BGP session.)`,
    `${DIR}/${peerConfig}:14:22: spec.timers.holdTimeSeconds: must be >= 3 (HoldTimeSeconds defines the initial value for the BGP HoldTimer (RFC 4271, Section 4.2). Updating this value will cause a session reset.)`,
  ],
);

test(
  "an unsupported kind, with a did-you-mean hint",
  rejects,
  [{ file: advertisement, replace: "kind: CiliumBGPAdvertisement", with: "kind: CiliumBGPAdvertisment" }],
  [
    `${DIR}/${advertisement}:4:7: kind: unsupported kind "CiliumBGPAdvertisment" (did you mean CiliumBGPAdvertisement?)`,
  ],
);

test(
  "a kind the lab does not handle",
  rejects,
  [{ file: advertisement, replace: "kind: CiliumBGPAdvertisement", with: "kind: ConfigMap" }],
  [
    `${DIR}/${advertisement}:4:7: kind: unsupported kind "ConfigMap" (supported: CiliumBGPClusterConfig, CiliumBGPPeerConfig, CiliumBGPAdvertisement, CiliumBGPNodeConfigOverride, and Secret (v1) for authSecretRef)`,
  ],
);

test(
  "an apiVersion the CRD does not serve",
  rejects,
  [{ file: advertisement, replace: "apiVersion: cilium.io/v2", with: "apiVersion: cilium.io/v1" }],
  [
    `${DIR}/${advertisement}:3:13: apiVersion: CiliumBGPAdvertisement is not served as "cilium.io/v1" (use one of: cilium.io/v2, cilium.io/v2alpha1)`,
  ],
);

test(
  "a non-string label value on a manifest",
  rejects,
  [{ file: advertisement, replace: "advertise: pod-cidr", with: "advertise: 1" }],
  [`${DIR}/${advertisement}:8:16: metadata.labels.advertise: must be a string`],
);

test(
  "a manifest that is a list",
  rejects,
  [{ file: advertisement, content: "- kind: CiliumBGPAdvertisement\n" }],
  [`${DIR}/${advertisement}:1:1: a Kubernetes manifest must be a mapping (apiVersion, kind, metadata, spec)`],
);

test(
  "a YAML syntax error in a manifest",
  rejects,
  [{ file: peerConfig, replace: "    peerPort: 179", with: "    peerPort: [179" }],
  [`${DIR}/${peerConfig}:12:3: YAML syntax error: missed comma between flow collection entries`],
);

test(
  "two manifests of the same kind and name",
  rejects,
  [{ file: networks, replace: "name: cilium-bgp-remote", with: "name: cilium-bgp" }],
  [`${N}:28:9: metadata.name: duplicate CiliumBGPClusterConfig/cilium-bgp (first defined at ${N}:4)`],
);

/** A PeerConfig whose three nested lists fan out through aliases: 100^3 values to validate. */
function peerConfigBomb(): string {
  const values = `&V [${Array(100).fill("a").join(", ")}]`;
  const expr = `&E {key: k, operator: In, values: ${values}}`;
  const family = `&F {afi: ipv4, safi: unicast, advertisements: {matchExpressions: [${expr}${", *E".repeat(99)}]}}`;
  return [
    "apiVersion: cilium.io/v2",
    "kind: CiliumBGPPeerConfig",
    "metadata:",
    "  name: bomb",
    "spec:",
    `  families: [${family}${", *F".repeat(99)}]`,
    "",
  ].join("\n");
}

test(
  "an alias bomb in a Cilium manifest is refused before the CRD schema walks it",
  rejects,
  [{ file: "k8s/cilium/bomb.yaml", content: peerConfigBomb() }],
  [
    `${DIR}/k8s/cilium/bomb.yaml:1:1: document has more than 100000 values once its aliases are expanded (nested or recursive aliases) (write the values out instead of nesting aliases inside anchored collections)`,
  ],
);

// -- pass 7: Cilium wiring

test(
  "removing yuuko-k8s's label: the NotIn selector takes it and it would peer with Router-Mine",
  rejects,
  [{ file: topo, replace: "    labels:\n      node-type: remote\n", with: "" }],
  [
    `${N}:21:24: spec.bgpInstances[0].peers[0].peerAddress: node "yuuko-k8s" (site home, 192.168.0.0/24) would peer with 192.168.6.1, which is not a router on its LAN (its site router is router-home at 192.168.0.1: check the ClusterConfig's nodeSelector or the node's labels)`,
  ],
);

test(
  "nodes matched by no ClusterConfig (NotIn turned into In) and one matched by two",
  rejects,
  [{ file: networks, replace: "operator: NotIn", with: "operator: In" }],
  [
    `${N}:21:24: spec.bgpInstances[0].peers[0].peerAddress: node "yuuko-k8s" (site home, 192.168.0.0/24) would peer with 192.168.6.1, which is not a router on its LAN (its site router is router-home at 192.168.0.1: check the ClusterConfig's nodeSelector or the node's labels)`,
    `${T}:48:5: nodes[0]: node "yuuko-k8s" is selected by 2 CiliumBGPClusterConfigs (cilium-bgp, cilium-bgp-remote) (Cilium marks this ConflictingClusterConfig and uses only the first; make the nodeSelectors disjoint)`,
    `${T}:55:5: nodes[1]: node "sakamoto" is selected by no CiliumBGPClusterConfig (its pod CIDR 10.42.0.0/24 would never be advertised; check its labels (no labels) against the nodeSelectors)`,
    `${T}:61:5: nodes[2]: node "nano" is selected by no CiliumBGPClusterConfig (its pod CIDR 10.42.1.0/24 would never be advertised; check its labels (no labels) against the nodeSelectors)`,
  ],
);

test(
  "a node matched by no ClusterConfig because of its label",
  rejects,
  [
    { file: networks, replace: "      node-type: remote\n", with: "      node-type: home\n" },
    { file: topo, replace: "      node-type: remote\n", with: "      node-type: home\n" },
    { file: networks, replace: "          - remote", with: "          - remote\n          - home" },
    {
      file: networks,
      replace: "    matchLabels:\n      node-type: home",
      with: "    matchLabels:\n      node-type: remote",
    },
  ],
  [
    `${T}:48:5: nodes[0]: node "yuuko-k8s" is selected by no CiliumBGPClusterConfig (its pod CIDR 10.42.3.0/24 would never be advertised; check its labels (node-type=home) against the nodeSelectors)`,
  ],
);

test(
  "a node matched by two ClusterConfigs (an extra one selecting every node)",
  rejects,
  [
    {
      file: "k8s/cilium/all-nodes.yaml",
      content: [
        "apiVersion: cilium.io/v2",
        "kind: CiliumBGPClusterConfig",
        "metadata:",
        "  name: all-nodes",
        "spec:",
        "  nodeSelector: {}",
        "  bgpInstances:",
        "    - name: instance-64514",
        "      localASN: 64514",
        "      peers: []",
        "",
      ].join("\n"),
    },
  ],
  [
    `${T}:48:5: nodes[0]: node "yuuko-k8s" is selected by 2 CiliumBGPClusterConfigs (all-nodes, cilium-bgp-remote) (Cilium marks this ConflictingClusterConfig and uses only the first; make the nodeSelectors disjoint)`,
    `${T}:48:5: nodes[0]: node "yuuko-k8s" advertises nothing (its PeerConfig families need an advertisements selector matching a CiliumBGPAdvertisement of type PodCIDR)`,
    `${T}:55:5: nodes[1]: node "sakamoto" is selected by 2 CiliumBGPClusterConfigs (all-nodes, cilium-bgp) (Cilium marks this ConflictingClusterConfig and uses only the first; make the nodeSelectors disjoint)`,
    `${T}:55:5: nodes[1]: node "sakamoto" advertises nothing (its PeerConfig families need an advertisements selector matching a CiliumBGPAdvertisement of type PodCIDR)`,
    `${T}:61:5: nodes[2]: node "nano" is selected by 2 CiliumBGPClusterConfigs (all-nodes, cilium-bgp) (Cilium marks this ConflictingClusterConfig and uses only the first; make the nodeSelectors disjoint)`,
    `${T}:61:5: nodes[2]: node "nano" advertises nothing (its PeerConfig families need an advertisements selector matching a CiliumBGPAdvertisement of type PodCIDR)`,
  ],
);

test(
  "a peer address that is not the node's site router",
  rejects,
  [{ file: networks, replace: "peerAddress: 192.168.0.1", with: "peerAddress: 192.168.0.2" }],
  [
    `${N}:39:24: spec.bgpInstances[0].peers[0].peerAddress: node "yuuko-k8s" (site home, 192.168.0.0/24) would peer with 192.168.0.2, which is not a router on its LAN (its site router is router-home at 192.168.0.1: check the ClusterConfig's nodeSelector or the node's labels)`,
  ],
);

test(
  "a peer address of the other site's router",
  rejects,
  [{ file: networks, replace: "peerAddress: 192.168.6.1", with: "peerAddress: 192.168.0.1" }],
  [
    `${N}:21:24: spec.bgpInstances[0].peers[0].peerAddress: node "sakamoto" (site mine, 192.168.6.0/24) would peer with 192.168.0.1, which is not a router on its LAN (its site router is router-mine at 192.168.6.1: check the ClusterConfig's nodeSelector or the node's labels)`,
    `${N}:21:24: spec.bgpInstances[0].peers[0].peerAddress: node "nano" (site mine, 192.168.6.0/24) would peer with 192.168.0.1, which is not a router on its LAN (its site router is router-mine at 192.168.6.1: check the ClusterConfig's nodeSelector or the node's labels)`,
  ],
);

test(
  "a peerASN that does not match the router's ASN",
  rejects,
  [{ file: networks, replace: "peerASN: 64515", with: "peerASN: 64513" }],
  [
    `${N}:38:20: spec.bgpInstances[0].peers[0].peerASN: peerASN 64513 does not match router-home's ASN 64515 (the session would fail with a bad-peer-AS error; set peerASN: 64515)`,
  ],
);

test(
  "a peerConfigRef to a missing PeerConfig: the peer is skipped",
  rejects,
  [
    {
      file: networks,
      replace: "            name: l3-bgp-peer-config\n---",
      with: "            name: l3-bgp-peer-confg\n---",
    },
  ],
  [
    `${N}:23:19: spec.bgpInstances[0].peers[0].peerConfigRef.name: peer "router-mine" of node "sakamoto" is skipped: CiliumBGPPeerConfig "l3-bgp-peer-confg" does not exist (create the CiliumBGPPeerConfig or fix peerConfigRef.name)`,
    `${N}:23:19: spec.bgpInstances[0].peers[0].peerConfigRef.name: peer "router-mine" of node "nano" is skipped: CiliumBGPPeerConfig "l3-bgp-peer-confg" does not exist (create the CiliumBGPPeerConfig or fix peerConfigRef.name)`,
  ],
);

test(
  "a peer without peerAddress is skipped",
  rejects,
  [{ file: networks, replace: "          peerAddress: 192.168.0.1\n", with: "" }],
  [
    `${N}:37:11: spec.bgpInstances[0].peers[0]: peer "router-home" of node "yuuko-k8s" is skipped: no peerAddress (set the peer's peerAddress)`,
  ],
);

test(
  "a PeerConfig family without an advertisements selector: nodes advertise nothing",
  rejects,
  [
    {
      file: peerConfig,
      replace:
        "      # Without a selector Cilium advertises nothing on this family.\n      advertisements:\n        matchLabels:\n          advertise: pod-cidr\n",
      with: "",
    },
  ],
  [
    `${T}:48:5: nodes[0]: node "yuuko-k8s" advertises nothing (its PeerConfig families need an advertisements selector matching a CiliumBGPAdvertisement of type PodCIDR)`,
    `${T}:55:5: nodes[1]: node "sakamoto" advertises nothing (its PeerConfig families need an advertisements selector matching a CiliumBGPAdvertisement of type PodCIDR)`,
    `${T}:61:5: nodes[2]: node "nano" advertises nothing (its PeerConfig families need an advertisements selector matching a CiliumBGPAdvertisement of type PodCIDR)`,
  ],
);

test(
  "no peerConfigRef: the session runs with defaults and advertises nothing",
  rejects,
  [
    {
      file: networks,
      replace: "          peerConfigRef:\n            name: l3-bgp-peer-config\n---",
      with: "---",
    },
  ],
  [
    `${T}:55:5: nodes[1]: node "sakamoto" advertises nothing (its PeerConfig families need an advertisements selector matching a CiliumBGPAdvertisement of type PodCIDR)`,
    `${T}:61:5: nodes[2]: node "nano" advertises nothing (its PeerConfig families need an advertisements selector matching a CiliumBGPAdvertisement of type PodCIDR)`,
  ],
);

test(
  "an empty advertisement manifest: nothing to advertise",
  rejects,
  [{ file: advertisement, content: "" }],
  [
    `${T}:48:5: nodes[0]: node "yuuko-k8s" advertises nothing (its PeerConfig families need an advertisements selector matching a CiliumBGPAdvertisement of type PodCIDR)`,
    `${T}:55:5: nodes[1]: node "sakamoto" advertises nothing (its PeerConfig families need an advertisements selector matching a CiliumBGPAdvertisement of type PodCIDR)`,
    `${T}:61:5: nodes[2]: node "nano" advertises nothing (its PeerConfig families need an advertisements selector matching a CiliumBGPAdvertisement of type PodCIDR)`,
  ],
);

test(
  "a selector Kubernetes would reject (NotIn without values)",
  rejects,
  [
    {
      file: networks,
      replace: "        operator: NotIn\n        values:\n          - remote",
      with: "        operator: NotIn",
    },
  ],
  [
    `${N}:11:9: spec.nodeSelector.matchExpressions[0]: operator NotIn needs at least one value (Kubernetes rejects this selector)`,
    `${N}:19:24: spec.bgpInstances[0].peers[0].peerAddress: node "yuuko-k8s" (site home, 192.168.0.0/24) would peer with 192.168.6.1, which is not a router on its LAN (its site router is router-home at 192.168.0.1: check the ClusterConfig's nodeSelector or the node's labels)`,
    `${T}:48:5: nodes[0]: node "yuuko-k8s" is selected by 2 CiliumBGPClusterConfigs (cilium-bgp, cilium-bgp-remote) (Cilium marks this ConflictingClusterConfig and uses only the first; make the nodeSelectors disjoint)`,
  ],
);

test("a pass stops the load: schema errors hide later address errors", async (t) => {
  const lines = await errorLines(t, [
    { file: topo, replace: "asn: 64515", with: 'asn: "abc"' },
    { file: topo, replace: "address: 192.168.6.81", with: "address: 192.168.7.81" },
  ]);
  t.deepEqual(lines, [`${T}:34:10: routers[0].asn: must be an integer`]);
});

test("a valid variation loads: an extra node, GR enabled, a listening port", async (t) => {
  const dir = copyConfigs(t);
  applyEdit(dir, {
    file: topo,
    append:
      "  - name: kirin\n    site: mine\n    address: 192.168.6.82\n    podCIDR: 10.42.2.0/24\n    pods: 0\n",
  });
  applyEdit(dir, { file: peerConfig, replace: "enabled: false", with: "enabled: true" });
  applyEdit(dir, {
    file: networks,
    replace: "      localASN: 64514\n      peers:\n        - name: router-mine",
    with: "      localASN: 64514\n      localPort: 1790\n      peers:\n        - name: router-mine",
  });
  const l = await loadLab(join(dir, "topology.yaml"));
  const kirin = node(l, "kirin");
  t.deepEqual(kirin.pods, []);
  t.is(kirin.bgp?.clusterConfig, "cilium-bgp");
  t.is(kirin.bgp?.instances[0]?.localPort, 1790);
  t.is(node(l, "yuuko-k8s").bgp?.instances[0]?.localPort, null);
  t.true(peers(kirin)[0]?.gracefulRestart.enabled);
});

// -- pass 8: the real `bird -p`

/** The loader's BirdConfigCheck on top of lab/bird/check.ts (whose result has no `where`). */
const realBirdCheck: BirdConfigCheck = async (file) => {
  const r = await checkBirdConfig(file);
  return r.ok
    ? { ok: true }
    : { ok: false, where: { file: r.file, line: r.line ?? 1, col: r.col ?? 1 }, message: r.message };
};

const haveBird = spawnSync("bird", ["--version"], { encoding: "utf8" }).error === undefined;
if (!haveBird) console.log("topology-load: `bird` is not installed; skipping the bird -p tests");

(haveBird ? test : test.skip)("birdCheck: the real configs pass bird -p", async (t) => {
  const l = await loadLab(DEFAULT_TOPOLOGY_FILE, { birdCheck: realBirdCheck });
  t.is(l.routers.length, 2);
});

(haveBird ? test : test.skip)(
  "birdCheck: a bird.conf syntax error is reported at BIRD's file:line",
  async (t) => {
    const lines = await errorLines(
      t,
      [
        {
          file: "routers/router-mine/bird.conf",
          replace: "router id 192.168.6.1;",
          with: "router id 192.168.6.1",
        },
      ],
      { birdCheck: realBirdCheck },
    );
    t.deepEqual(lines, [
      `${DIR}/routers/router-mine/bird.conf:11:1: BIRD rejects the config of router-mine: syntax error, unexpected PROTOCOL, expecting ';' (bird -p -c FILE shows the same)`,
    ]);
  },
);

(haveBird ? test : test.skip)("bird -p findings come together with the Cilium wiring's", async (t) => {
  const lines = await errorLines(
    t,
    [
      { file: networks, replace: "peerASN: 64515", with: "peerASN: 64513" },
      {
        file: "routers/router-home/bird.conf",
        replace: "  neighbor 192.168.0.81 as 64514;",
        with: "  neighbor 192.168.0.81 as;",
      },
    ],
    { birdCheck: realBirdCheck },
  );
  t.deepEqual(lines, [
    `${N}:38:20: spec.bgpInstances[0].peers[0].peerASN: peerASN 64513 does not match router-home's ASN 64515 (the session would fail with a bad-peer-AS error; set peerASN: 64515)`,
    `${DIR}/routers/router-home/bird.conf:56:27: BIRD rejects the config of router-home: syntax error, unexpected ';', expecting NUM or CF_SYM_KNOWN or '(' (bird -p -c FILE shows the same)`,
  ]);
});

test("birdCheck is not called when an earlier pass failed", async (t) => {
  let called = 0;
  const check: BirdConfigCheck = async () => {
    called++;
    return { ok: true };
  };
  await errorLines(t, [{ file: topo, replace: "asn: 64515", with: 'asn: "abc"' }], { birdCheck: check });
  await errorLines(t, [{ file: topo, replace: "address: 192.168.6.81", with: "address: 192.168.7.81" }], {
    birdCheck: check,
  });
  t.is(called, 0);
});
