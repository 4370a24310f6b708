// Load, validate and resolve a topology into the Lab model. The work is a literal ordered list
// of passes; problems are collected per pass and the load stops at a pass boundary, because
// later passes assume the earlier ones held (no address checks on a structurally broken file).
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, resolve as resolvePath } from "node:path";
import { fileURLToPath } from "node:url";
import { type LoadedManifest, loadCiliumManifests } from "../cilium/manifests.ts";
import { originatedPrefixes, resolveNodeBgp, selectingClusterConfigs } from "../cilium/node-bgp.ts";
import { selectorProblems } from "../cilium/selector.ts";
import { closest, Diagnostics } from "../config/diagnostics.ts";
import { errorCode, readYamlFile } from "../config/read.ts";
import { checkAgainstSchema, compileSchema } from "../config/schema-check.ts";
import { positionOf, type YamlDocument } from "../config/yaml.ts";
import * as ip from "./ipv4.ts";
import type { Cidr, K8sNode, Lab, Router, Site, SourceRef } from "./model.ts";

export const TOPOLOGY_SCHEMA_FILE = fileURLToPath(
  new URL("../../configs/schema/topology.schema.json", import.meta.url),
);
export const DEFAULT_TOPOLOGY_FILE = fileURLToPath(new URL("../../configs/topology.yaml", import.meta.url));

/** The raw shape the schema guarantees once pass 2 has passed. */
interface RawTopology {
  name: string;
  cluster: { podCIDR: string; serviceCIDR?: string; cilium: string };
  zerotier: { network: string; mtu?: number };
  sites: { name: string; lan: string }[];
  routers: {
    name: string;
    site: string;
    asn: number;
    routerId: string;
    lanAddress: string;
    zerotierAddress: string;
    bird: string;
  }[];
  nodes: {
    name: string;
    site: string;
    address: string;
    podCIDR: string;
    role?: "control-plane" | "worker";
    labels?: Record<string, string>;
    pods?: number;
  }[];
}

/** Optional extra check of each bird.conf (the real `bird -p`), injected to keep this module pure. */
export type BirdConfigCheck = (
  file: string,
) => Promise<{ ok: true } | { ok: false; where: SourceRef; message: string }>;

export interface LoadOptions {
  birdCheck?: BirdConfigCheck;
}

export async function loadLab(
  topologyFile: string = DEFAULT_TOPOLOGY_FILE,
  opts: LoadOptions = {},
): Promise<Lab> {
  const file = resolvePath(topologyFile);
  const diags = new Diagnostics();
  const doc = readTopology(file, diags); //                          1. read and parse YAML
  diags.throwIfAny();
  checkAgainstSchema(topologySchema(), doc as YamlDocument, diags); // 2. structure, keys, types
  diags.throwIfAny();
  const raw = (doc as YamlDocument).value as RawTopology;
  const at = (path: string) => positionOf(doc as YamlDocument, path);
  checkNames(raw, at, diags); //                                      3. unique names, references
  diags.throwIfAny();
  const cidrs = checkAddresses(raw, at, diags); //                    4. addresses, LANs, pod CIDRs
  diags.throwIfAny();
  const configDir = dirname(file);
  const manifests = checkFiles(raw, configDir, at, diags); //         5. config files and Cilium CRDs
  diags.throwIfAny();
  const lab = build(raw, file, configDir, cidrs, manifests, at); //   6. resolve the model
  checkBgpWiring(lab, raw, manifests, at, diags); //                  7. Cilium selection and peers
  if (opts.birdCheck) await checkBirdSyntax(lab, opts.birdCheck, diags); // 8. bird -p
  diags.throwIfAny();
  return lab;
}

let compiled: ReturnType<typeof compileSchema> | undefined;
function topologySchema() {
  compiled ??= compileSchema(JSON.parse(readFileSync(TOPOLOGY_SCHEMA_FILE, "utf8")));
  return compiled;
}

function readTopology(file: string, diags: Diagnostics): YamlDocument | null {
  const top = { file, line: 1, col: 1 };
  const docs = readYamlFile(file, diags, {
    unreadable: (err, phase) =>
      phase === "read"
        ? {
            message: `cannot read the topology file: ${errorCode(err)}`,
            hint: "pass an existing file with --topology",
          }
        : { message: err.message },
    syntaxHint: (hint) => hint ?? "check indentation and quoting",
  });
  if (!docs) return null;
  if (docs.length === 0 || (docs.length === 1 && (docs[0]?.value === null || docs[0]?.value === undefined))) {
    diags.add(top, "", "the topology file is empty", "start with `name:`, `sites:`, `routers:` and `nodes:`");
    return null;
  }
  if (docs.length !== 1) {
    diags.add(
      top,
      "",
      `expected exactly one YAML document, found ${docs.length}`,
      "remove the extra --- separators",
    );
    return null;
  }
  const d = docs[0] as YamlDocument;
  if (d.value === null || typeof d.value !== "object" || Array.isArray(d.value)) {
    diags.add(
      d.start,
      "",
      "the topology must be a mapping",
      "start with `name:`, `sites:`, `routers:` and `nodes:`",
    );
    return null;
  }
  return d;
}

type At = (path: string) => SourceRef;

/** Host number of a node's first test pod in its pod CIDR (.1 is the node's gateway). */
const FIRST_POD_HOST = 10;

function checkNames(raw: RawTopology, at: At, diags: Diagnostics): void {
  // Routers and nodes become namespaces side by side: their names share one space.
  const seen = new Map<string, string>();
  const unique = (name: string, path: string) => {
    const first = seen.get(name);
    if (first)
      diags.add(
        at(path),
        path,
        `duplicate name "${name}"`,
        `also used at ${first}; names of sites, routers and nodes must be unique`,
      );
    else seen.set(name, `${path} (line ${at(path).line})`);
  };
  for (const [i, s] of raw.sites.entries()) unique(s.name, `sites[${i}].name`);
  for (const [i, r] of raw.routers.entries()) unique(r.name, `routers[${i}].name`);
  for (const [i, n] of raw.nodes.entries()) unique(n.name, `nodes[${i}].name`);
  // Each router and node gets the namespace <lab>-<name>, beside <lab>-inet, <lab>-sw-<site> and
  // the pods' <lab>-<node>-pod<k> (runtime/netns/plan.ts): a name equal to one of those would
  // share its namespace.
  const reserved = new Map<string, string>([["inet", "the lab's internet namespace"]]);
  for (const s of raw.sites) reserved.set(`sw-${s.name}`, `the LAN switch of site "${s.name}"`);
  for (const n of raw.nodes)
    for (let k = 1; k <= (n.pods ?? 1); k++)
      reserved.set(`${n.name}-pod${k}`, `pod ${k} of node "${n.name}"`);
  const notReserved = (name: string, path: string) => {
    const owner = reserved.get(name);
    if (owner) diags.add(at(path), path, `name "${name}" is the namespace name of ${owner}`, "rename it");
  };
  for (const [i, r] of raw.routers.entries()) notReserved(r.name, `routers[${i}].name`);
  for (const [i, n] of raw.nodes.entries()) notReserved(n.name, `nodes[${i}].name`);
  const siteNames = raw.sites.map((s) => s.name);
  const knownSite = (site: string, path: string) => {
    if (!siteNames.includes(site)) {
      const guess = closest(site, siteNames);
      diags.add(
        at(path),
        path,
        `unknown site "${site}"`,
        guess ? `did you mean "${guess}"?` : `sites: ${siteNames.join(", ")}`,
      );
    }
  };
  for (const [i, r] of raw.routers.entries()) knownSite(r.site, `routers[${i}].site`);
  for (const [i, n] of raw.nodes.entries()) knownSite(n.site, `nodes[${i}].site`);
  raw.sites.forEach((s, i) => {
    const routers = raw.routers.filter((r) => r.site === s.name);
    if (routers.length !== 1) {
      diags.add(
        at(`sites[${i}]`),
        `sites[${i}]`,
        `site "${s.name}" has ${routers.length} routers`,
        "each site needs exactly one router (its nodes' gateway and BGP peer)",
      );
    }
  });
  if (!raw.nodes.some((n) => n.role === "control-plane")) {
    diags.add(
      at("nodes"),
      "nodes",
      "no node has role control-plane",
      "mark the node running the API server with `role: control-plane`",
    );
  }
}

interface Cidrs {
  cluster: Cidr;
  service: Cidr;
  zerotier: Cidr;
  sites: Map<string, Cidr>;
  pods: Map<string, Cidr>;
}

function checkAddresses(raw: RawTopology, at: At, diags: Diagnostics): Cidrs {
  const cidr = (text: string, path: string): Cidr => {
    const c = ip.parseCidr(text);
    if (!c) {
      diags.add(
        at(path),
        path,
        `"${text}" is not an IPv4 prefix`,
        "write it as a.b.c.d/len, e.g. 10.42.0.0/16",
      );
      return { text, network: "0.0.0.0", prefixLength: 0 };
    }
    if (ip.hasHostBits(c))
      diags.add(
        at(path),
        path,
        `"${text}" has host bits set`,
        `did you mean ${c.network}/${c.prefixLength}?`,
      );
    return c;
  };
  const address = (text: string, path: string): boolean => {
    if (ip.isIPv4(text)) return true;
    diags.add(at(path), path, `"${text}" is not an IPv4 address`, "write it as a.b.c.d");
    return false;
  };
  const cluster = cidr(raw.cluster.podCIDR, "cluster.podCIDR");
  const service = cidr(raw.cluster.serviceCIDR ?? "10.43.0.0/16", "cluster.serviceCIDR");
  const zerotier = cidr(raw.zerotier.network, "zerotier.network");
  if (ip.overlaps(cluster, service))
    diags.add(
      at("cluster.serviceCIDR"),
      "cluster.serviceCIDR",
      "overlaps the pod CIDR",
      "k3s uses 10.42.0.0/16 for pods and 10.43.0.0/16 for services",
    );
  const sites = new Map<string, Cidr>();
  raw.sites.forEach((s, i) => {
    const c = cidr(s.lan, `sites[${i}].lan`);
    for (const [other, oc] of sites) {
      if (ip.overlaps(c, oc))
        diags.add(
          at(`sites[${i}].lan`),
          `sites[${i}].lan`,
          `overlaps the LAN of site "${other}" (${oc.text})`,
          "every site needs its own LAN prefix",
        );
    }
    for (const [what, oc] of [
      ["the pod CIDR", cluster],
      ["the ZeroTier network", zerotier],
    ] as const) {
      if (ip.overlaps(c, oc))
        diags.add(at(`sites[${i}].lan`), `sites[${i}].lan`, `overlaps ${what} (${oc.text})`);
    }
    sites.set(s.name, c);
  });
  const used = new Map<string, string>();
  const unique = (addr: string, path: string) => {
    const first = used.get(addr);
    if (first)
      diags.add(
        at(path),
        path,
        `address ${addr} is already used by ${first}`,
        "every interface needs its own address",
      );
    else used.set(addr, path);
  };
  const onLan = (addr: string, lan: Cidr | undefined, path: string, what: string) => {
    if (!lan || !address(addr, path)) return;
    if (!ip.contains(lan, addr))
      diags.add(at(path), path, `${addr} is outside ${what} ${lan.text}`, `pick an address in ${lan.text}`);
    else if (ip.isNetworkOrBroadcast(lan, addr))
      diags.add(
        at(path),
        path,
        `${addr} is the network or broadcast address of ${lan.text}`,
        "pick a host address",
      );
    unique(addr, path);
  };
  raw.routers.forEach((r, i) => {
    onLan(r.lanAddress, sites.get(r.site), `routers[${i}].lanAddress`, `the LAN of site "${r.site}"`);
    onLan(r.zerotierAddress, zerotier, `routers[${i}].zerotierAddress`, "the ZeroTier network");
    address(r.routerId, `routers[${i}].routerId`);
  });
  const pods = new Map<string, Cidr>();
  raw.nodes.forEach((n, i) => {
    onLan(n.address, sites.get(n.site), `nodes[${i}].address`, `the LAN of site "${n.site}"`);
    const path = `nodes[${i}].podCIDR`;
    const c = cidr(n.podCIDR, path);
    if (!ip.containsCidr(cluster, c))
      diags.add(
        at(path),
        path,
        `${c.text} is outside the cluster pod CIDR ${cluster.text}`,
        "node pod CIDRs are carved from cluster.podCIDR",
      );
    for (const [other, oc] of pods) {
      if (ip.overlaps(c, oc))
        diags.add(
          at(path),
          path,
          `${c.text} overlaps the pod CIDR of node "${other}" (${oc.text})`,
          "each node needs its own pod CIDR",
        );
    }
    // .1 is the node's side of every pod link and pods take .10 upwards (see build()): the
    // last pod's address must still be a host address of the pod CIDR.
    const podCount = n.pods ?? 1;
    const lastHost = podCount > 0 ? FIRST_POD_HOST + podCount - 1 : 1;
    if (ip.hostCount(c) < lastHost)
      diags.add(
        at(path),
        path,
        `${c.text} is too small for ${podCount} pods`,
        `pods take host addresses .${FIRST_POD_HOST} upwards; use a /24 per node as k3s does`,
      );
    pods.set(n.name, c);
  });
  return { cluster, service, zerotier, sites, pods };
}

function checkFiles(raw: RawTopology, configDir: string, at: At, diags: Diagnostics): LoadedManifest[] {
  raw.routers.forEach((r, i) => {
    const path = `routers[${i}].bird`;
    const f = resolvePath(configDir, r.bird);
    if (!existsSync(f))
      diags.add(
        at(path),
        path,
        `BIRD config ${f} does not exist`,
        "the path is relative to the topology file",
      );
    else if (!statSync(f).isFile()) diags.add(at(path), path, `BIRD config ${f} is not a file`);
    else {
      try {
        readFileSync(f);
      } catch (err) {
        diags.add(at(path), path, `BIRD config ${f} is not readable: ${(err as NodeJS.ErrnoException).code}`);
      }
    }
  });
  return loadCiliumManifests(resolvePath(configDir, raw.cluster.cilium), diags, at("cluster.cilium"));
}

function build(
  raw: RawTopology,
  file: string,
  configDir: string,
  cidrs: Cidrs,
  loaded: LoadedManifest[],
  at: At,
): Lab {
  const manifests = loaded.map((l) => l.manifest);
  const sites: Site[] = raw.sites.map((s) => ({
    name: s.name,
    lan: cidrs.sites.get(s.name) as Cidr,
    router: (raw.routers.find((r) => r.site === s.name) as { name: string }).name,
  }));
  const routers: Router[] = raw.routers.map((r, i) => ({
    name: r.name,
    site: r.site,
    asn: r.asn,
    routerId: r.routerId,
    lanAddress: r.lanAddress,
    zerotierAddress: r.zerotierAddress,
    birdConf: resolvePath(configDir, r.bird),
    source: at(`routers[${i}]`),
  }));
  const nodes: K8sNode[] = raw.nodes.map((n, i) => {
    const podCidr = cidrs.pods.get(n.name) as Cidr;
    const labels = { ...(n.labels ?? {}) };
    return {
      name: n.name,
      site: n.site,
      address: n.address,
      podCidr,
      labels,
      role: n.role ?? "worker",
      pods: Array.from({ length: n.pods ?? 1 }, (_, k) => ({
        name: `${n.name}-pod${k + 1}`,
        node: n.name,
        // .1 is the node's side of every pod link (like cilium_host); pods start at .10.
        address: ip.nthHost(podCidr, FIRST_POD_HOST + k),
      })),
      bgp: resolveNodeBgp(manifests, { name: n.name, address: n.address, podCidr: podCidr.text, labels }),
      source: at(`nodes[${i}]`),
    };
  });
  const ciliumDir = resolvePath(configDir, raw.cluster.cilium);
  const values = resolvePath(ciliumDir, "values.yaml");
  return {
    name: raw.name,
    topologyFile: file,
    configDir,
    cluster: {
      podCidr: cidrs.cluster,
      serviceCidr: cidrs.service,
      ciliumDir,
      helmValues: existsSync(values) ? values : null,
    },
    zerotier: { network: cidrs.zerotier, mtu: raw.zerotier.mtu ?? 2800 },
    sites,
    routers,
    nodes,
    cilium: manifests,
  };
}

function checkBgpWiring(
  lab: Lab,
  raw: RawTopology,
  loaded: LoadedManifest[],
  at: At,
  diags: Diagnostics,
): void {
  const manifests = loaded.map((l) => l.manifest);
  for (const l of loaded) {
    if (l.manifest.kind !== "CiliumBGPClusterConfig") continue;
    for (const p of selectorProblems((l.manifest.spec as { nodeSelector?: never }).nodeSelector)) {
      const path = `spec.nodeSelector.matchExpressions[${p.index}]`;
      diags.add(positionOf(l.doc, path), path, p.message, "Kubernetes rejects this selector");
    }
  }
  lab.nodes.forEach((node, i) => {
    const path = `nodes[${i}]`;
    const owners = selectingClusterConfigs(manifests, node.labels);
    if (owners.length === 0) {
      diags.add(
        at(path),
        path,
        `node "${node.name}" is selected by no CiliumBGPClusterConfig`,
        `its pod CIDR ${node.podCidr.text} would never be advertised; check its labels (${labelText(node.labels)}) against the nodeSelectors`,
      );
      return;
    }
    if (owners.length > 1) {
      diags.add(
        at(path),
        path,
        `node "${node.name}" is selected by ${owners.length} CiliumBGPClusterConfigs (${owners.map((o) => o.metadata.name).join(", ")})`,
        "Cilium marks this ConflictingClusterConfig and uses only the first; make the nodeSelectors disjoint",
      );
    }
    const owner = owners[0] as (typeof owners)[number];
    const ownerDoc = loaded.find((l) => l.manifest === owner) as LoadedManifest;
    for (const s of node.bgp?.skipped ?? []) {
      const { instanceIndex, peerIndex: pi, peer } = peerSpec(owner, s.instance, s.peer);
      const ppath = `spec.bgpInstances[${instanceIndex}].peers[${pi}]`;
      const noAddress = !peer?.peerAddress;
      const field = noAddress ? ppath : `${ppath}.peerConfigRef.name`;
      diags.add(
        positionOf(ownerDoc.doc, field),
        field,
        `peer "${s.peer}" of node "${node.name}" is skipped: ${s.reason}`,
        noAddress ? "set the peer's peerAddress" : "create the CiliumBGPPeerConfig or fix peerConfigRef.name",
      );
    }
    const site = lab.sites.find((s) => s.name === node.site) as Site;
    (node.bgp?.instances ?? []).forEach((inst, ii) => {
      inst.peers.forEach((peer, pi) => {
        const router = lab.routers.find((r) => r.lanAddress === peer.peerAddress);
        const specIdx = peerIndex(owner, inst.name, peer.name);
        const ppath = `spec.bgpInstances[${ii}].peers[${specIdx}]`;
        const where = positionOf(ownerDoc.doc, `${ppath}.peerAddress`);
        if (!router || router.site !== node.site) {
          const expect = lab.routers.find((r) => r.site === node.site);
          diags.add(
            where,
            `${ppath}.peerAddress`,
            `node "${node.name}" (site ${node.site}, ${site.lan.text}) would peer with ${peer.peerAddress}, which is not a router on its LAN`,
            expect
              ? `its site router is ${expect.name} at ${expect.lanAddress}: check the ClusterConfig's nodeSelector or the node's labels`
              : undefined,
          );
        } else if (peer.peerASN !== 0 && peer.peerASN !== router.asn) {
          diags.add(
            positionOf(ownerDoc.doc, `${ppath}.peerASN`),
            `${ppath}.peerASN`,
            `peerASN ${peer.peerASN} does not match ${router.name}'s ASN ${router.asn}`,
            `the session would fail with a bad-peer-AS error; set peerASN: ${router.asn}`,
          );
        }
        void pi;
      });
    });
    if (originatedPrefixes(node.bgp).length === 0 && (node.bgp?.skipped.length ?? 0) === 0) {
      diags.add(
        at(path),
        path,
        `node "${node.name}" advertises nothing`,
        "its PeerConfig families need an advertisements selector matching a CiliumBGPAdvertisement of type PodCIDR",
      );
    }
  });
  void raw;
}

function peerIndex(owner: { spec: Record<string, unknown> }, instance: string, peer: string): number {
  return peerSpec(owner, instance, peer).peerIndex;
}

/** Where a resolved peer sits in its ClusterConfig's spec (index 0 when not found). */
function peerSpec(
  owner: { spec: Record<string, unknown> },
  instance: string,
  peer: string,
): { instanceIndex: number; peerIndex: number; peer: { name: string; peerAddress?: string } | undefined } {
  const instances = (owner.spec.bgpInstances ?? []) as {
    name: string;
    peers?: { name: string; peerAddress?: string }[];
  }[];
  const instanceIndex = Math.max(
    0,
    instances.findIndex((x) => x.name === instance),
  );
  const peers = instances[instanceIndex]?.peers ?? [];
  const peerIndex = Math.max(
    0,
    peers.findIndex((p) => p.name === peer),
  );
  return { instanceIndex, peerIndex, peer: peers[peerIndex] };
}

function labelText(labels: Record<string, string>): string {
  const e = Object.entries(labels);
  return e.length ? e.map(([k, v]) => `${k}=${v}`).join(",") : "no labels";
}

async function checkBirdSyntax(lab: Lab, check: BirdConfigCheck, diags: Diagnostics): Promise<void> {
  for (const r of lab.routers) {
    const res = await check(r.birdConf);
    if (!res.ok)
      diags.add(
        res.where,
        "",
        `BIRD rejects the config of ${r.name}: ${res.message}`,
        "bird -p -c FILE shows the same",
      );
  }
}
