// The Lab model is built here and only here: an ordered list of passes over the model's input
// (the topology document, the Cilium manifest documents, the Helm values). Loading the files
// (load.ts) and the overlays a scenario puts on a running lab (a variant, a joining node) all
// run the same passes, so an overlay gives exactly the Lab that loading changed files would.
// Problems are collected per pass; a gate stops at a pass boundary, because later passes assume
// the earlier ones held (no address checks on a structurally broken file).
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, resolve as resolvePath } from "node:path";
import { fileURLToPath } from "node:url";
import { checkCiliumManifests, readCiliumManifestDocs } from "../cilium/manifests.ts";
import { originatedPrefixes, resolveNodeBgp, selectingClusterConfigs } from "../cilium/node-bgp.ts";
import {
  type BgpSecret,
  bgpSecretsNamespace,
  checkAuthSecretRefs,
  checkSecretManifests,
} from "../cilium/secrets.ts";
import { selectorProblems } from "../cilium/selector.ts";
import { closest, Diagnostics } from "../config/diagnostics.ts";
import { checkAgainstSchema, compileSchema } from "../config/schema-check.ts";
import { parseYamlDocuments, positionOf, type YamlDocument } from "../config/yaml.ts";
import { parseDuration } from "../util/duration.ts";
import * as ip from "./ipv4.ts";
import type {
  Cidr,
  CiliumManifest,
  K8sNode,
  Lab,
  LabSources,
  NodeJoin,
  Router,
  Site,
  SourceRef,
  ZerotierPath,
} from "./model.ts";
import { nodeLifecycle } from "./node-lifecycle.ts";
import { manifestPosition } from "./positions.ts";
import { buildServices as buildLbServices, type RawService } from "./services.ts";

export const TOPOLOGY_SCHEMA_FILE = fileURLToPath(
  new URL("../../configs/schema/topology.schema.json", import.meta.url),
);

/** The raw shape the schema guarantees once the schema pass has passed. */
interface RawTopology {
  name: string;
  cluster: {
    podCIDR: string;
    serviceCIDR?: string;
    cilium: string;
    nodeMonitorGracePeriod?: string;
    notReadyToleration?: string;
  };
  zerotier: {
    network: string;
    mtu?: number;
    paths?: { sites: [string, string]; rtt: string; jitter?: string; loss?: string }[];
  };
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
  services?: RawService[];
}

/**
 * What the passes build from. Loading gives only the topology (the passes read the manifest
 * folder and Helm values it names); an overlay gives all three, edited copies of a Lab's sources.
 */
export interface LabInput {
  /** Absolute path of the topology file. */
  file: string;
  topology: YamlDocument;
  manifests?: YamlDocument[];
  helmValues?: YamlDocument | null;
}

/** The state the passes share; each pass fills in what later ones read. */
interface Build {
  input: LabInput;
  raw: RawTopology;
  at: At;
  configDir: string;
  cidrs: Cidrs;
  manifestDocs: YamlDocument[];
  manifests: CiliumManifest[];
  secrets: BgpSecret[];
  helmValues: YamlDocument | null;
  lab: Lab;
}

interface Pass {
  run: (b: Build, diags: Diagnostics) => void;
  /** Stop after this pass when anything was found. */
  gate: boolean;
}

const PASSES: readonly Pass[] = [
  { run: checkSchema, gate: true }, //          the topology against its JSON schema: structure, keys, types
  { run: checkNames, gate: true }, //           unique names, known sites, one router per site, a control plane
  { run: checkCapacity, gate: true }, //        as many nodes as a LAN holds, routers as ZeroTier holds
  { run: checkAddresses, gate: true }, //       prefixes, addresses on their LANs, pod CIDRs
  { run: checkRouterFiles, gate: false }, //    each router's bird.conf is a readable file
  { run: readManifests, gate: true }, //        the Cilium manifests against their CRD schemas
  { run: readHelmValues, gate: false }, //      the Helm values beside them, kept with their positions
  { run: checkAuthSecrets, gate: false }, //    each PeerConfig's authSecretRef names a Secret with a password
  { run: buildCluster, gate: false }, //        the lab's frame: name, cluster and ZeroTier prefixes, sources
  { run: buildSites, gate: false }, //          sites with their LAN and router
  { run: buildZerotierPaths, gate: false }, //  the internet path between each listed pair of sites
  { run: buildRouters, gate: false }, //        routers with their real bird.conf
  { run: buildNodes, gate: false }, //          nodes with their pod CIDR and pods (.10 upwards)
  { run: buildServices, gate: false }, //       Services: backends by pod name, addresses outside the lab's prefixes
  { run: resolveBgp, gate: false }, //          each node's Cilium speaker, resolved from the CRDs
  { run: checkBgpWiring, gate: false }, //      selection, peers on the node's LAN, ASNs (reported with bird -p)
];

/**
 * Runs every pass over `input`. Throws a ValidationError at a gate; problems of the last passes
 * stay in `diags` for the caller, which may add its own checks before throwing.
 */
export function runPasses(input: LabInput, diags: Diagnostics): Lab {
  const b = { input } as Build;
  for (const pass of PASSES) {
    pass.run(b, diags);
    if (pass.gate) diags.throwIfAny();
  }
  return b.lab;
}

let compiled: ReturnType<typeof compileSchema> | undefined;
function topologySchema() {
  compiled ??= compileSchema(JSON.parse(readFileSync(TOPOLOGY_SCHEMA_FILE, "utf8")));
  return compiled;
}

function checkSchema(b: Build, diags: Diagnostics): void {
  const doc = b.input.topology;
  checkAgainstSchema(topologySchema(), doc, diags);
  b.raw = doc.value as RawTopology;
  b.at = (path) => positionOf(doc, path);
  b.configDir = dirname(b.input.file);
}

type At = (path: string) => SourceRef;

/** Host number of a node's first test pod in its pod CIDR (.1 is the node's gateway). */
const FIRST_POD_HOST = 10;

function checkNames({ raw, at }: Build, diags: Diagnostics): void {
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
  // Each router and node gets the namespace <lab>-<name>, beside <lab>-inet, <lab>-zt-root, <lab>-sw-<site> and
  // the pods' <lab>-<node>-pod<k> (runtime/netns/plan.ts): a name equal to one of those would
  // share its namespace.
  const reserved = new Map<string, string>([
    ["inet", "the lab's internet namespace"],
    ["zt-root", "the lab's ZeroTier root"],
  ]);
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

/**
 * The limits that follow from the model rather than from a fixed cap: a site's LAN holds its
 * router and as many nodes as it has host addresses left, the ZeroTier network as many routers
 * as it has host addresses. Checked before the per-address checks, so a topology that simply
 * outgrew its prefixes gets one error naming the prefix to widen instead of one per address.
 * A prefix that does not parse is left to checkAddresses.
 */
function checkCapacity({ raw, at }: Build, diags: Diagnostics): void {
  raw.sites.forEach((s, i) => {
    const lan = ip.parseCidr(s.lan);
    if (!lan) return;
    const routers = raw.routers.filter((r) => r.site === s.name).length;
    const nodes = raw.nodes.filter((n) => n.site === s.name).length;
    const hosts = ip.hostCount(lan);
    if (routers + nodes > hosts)
      diags.add(
        at(`sites[${i}].lan`),
        `sites[${i}].lan`,
        `site "${s.name}" has ${plural(nodes, "node")} and ${plural(routers, "router")}, but its LAN ${s.lan} holds ${plural(hosts, "host address", "host addresses")}`,
        `widen the LAN to /${prefixFor(routers + nodes)} or move ${plural(routers + nodes - hosts, "node")} to another site`,
      );
  });
  const zt = ip.parseCidr(raw.zerotier.network);
  if (zt && raw.routers.length > ip.hostCount(zt))
    diags.add(
      at("zerotier.network"),
      "zerotier.network",
      `${plural(raw.routers.length, "router")} join the ZeroTier network, but ${raw.zerotier.network} holds ${plural(ip.hostCount(zt), "host address", "host addresses")}`,
      `widen it to /${prefixFor(raw.routers.length)}`,
    );
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The longest prefix length whose host addresses hold `hosts`. */
function prefixFor(hosts: number): number {
  let len = 32;
  while (len > 0 && ip.hostCount({ text: "", network: "0.0.0.0", prefixLength: len }) < hosts) len--;
  return len;
}

interface Cidrs {
  cluster: Cidr;
  service: Cidr;
  zerotier: Cidr;
  sites: Map<string, Cidr>;
  pods: Map<string, Cidr>;
}

function checkAddresses(b: Build, diags: Diagnostics): void {
  const { raw, at } = b;
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
  b.cidrs = { cluster, service, zerotier, sites, pods };
}

function checkRouterFiles({ raw, configDir, at }: Build, diags: Diagnostics): void {
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
}

function readManifests(b: Build, diags: Diagnostics): void {
  const dir = resolvePath(b.configDir, b.raw.cluster.cilium);
  b.manifestDocs = b.input.manifests ?? readCiliumManifestDocs(dir, diags, b.at("cluster.cilium"));
  b.manifests = checkCiliumManifests(b.manifestDocs, diags);
  b.secrets = checkSecretManifests(b.manifestDocs, diags);
}

function checkAuthSecrets(b: Build, diags: Diagnostics): void {
  checkAuthSecretRefs(b.manifests, b.secrets, bgpSecretsNamespace(b.helmValues), diags);
}

/** Lint reads the Helm values; a file that does not parse is kept as none, as lint always did. */
function readHelmValues(b: Build): void {
  if (b.input.helmValues !== undefined) {
    b.helmValues = b.input.helmValues;
    return;
  }
  const file = helmValuesFile(b);
  try {
    b.helmValues = existsSync(file)
      ? (parseYamlDocuments(readFileSync(file, "utf8"), file)[0] ?? null)
      : null;
  } catch {
    b.helmValues = null;
  }
}

function helmValuesFile(b: Build): string {
  return resolvePath(b.configDir, b.raw.cluster.cilium, "values.yaml");
}

function buildCluster(b: Build): void {
  const { raw, cidrs } = b;
  const values = helmValuesFile(b);
  const sources: LabSources = {
    topology: b.input.topology,
    manifests: b.manifestDocs,
    helmValues: b.helmValues,
  };
  b.lab = {
    name: raw.name,
    topologyFile: b.input.file,
    configDir: b.configDir,
    cluster: {
      podCidr: cidrs.cluster,
      serviceCidr: cidrs.service,
      ciliumDir: resolvePath(b.configDir, raw.cluster.cilium),
      helmValues: existsSync(values) ? values : null,
      nodeLifecycle: nodeLifecycle(raw.cluster),
    },
    zerotier: { network: cidrs.zerotier, mtu: raw.zerotier.mtu ?? 2800, paths: [] },
    sites: [],
    routers: [],
    nodes: [],
    services: [],
    cilium: b.manifests,
    secrets: b.secrets,
    secretsNamespace: bgpSecretsNamespace(b.helmValues),
    sources,
  };
}

function buildSites({ raw, cidrs, lab }: Build): void {
  lab.sites = raw.sites.map((s) => ({
    name: s.name,
    lan: cidrs.sites.get(s.name) as Cidr,
    router: (raw.routers.find((r) => r.site === s.name) as { name: string }).name,
  }));
}

/** The relay holds at most a minute of delay per direction (emulate/zerotier/impairment.ts). */
const MAX_ONE_WAY_MS = 60_000;

function buildZerotierPaths({ raw, at, lab }: Build, diags: Diagnostics): void {
  const siteNames = lab.sites.map((s) => s.name);
  const seen = new Map<string, number>();
  const ms = (text: string | undefined) =>
    text === undefined ? 0 : (parseDuration(text) as { ms: number }).ms;
  for (const [i, p] of (raw.zerotier.paths ?? []).entries()) {
    const path = `zerotier.paths[${i}]`;
    const [a, b] = p.sites;
    for (const [k, site] of p.sites.entries()) {
      if (siteNames.includes(site)) continue;
      const guess = closest(site, siteNames);
      diags.add(
        at(`${path}.sites[${k}]`),
        `${path}.sites[${k}]`,
        `unknown site "${site}"`,
        guess ? `did you mean "${guess}"?` : `sites: ${siteNames.join(", ")}`,
      );
    }
    if (a === b)
      diags.add(
        at(`${path}.sites`),
        `${path}.sites`,
        `a path joins two different sites, got "${a}" twice`,
        "name the other site",
      );
    const key = [a, b].sort().join(" ");
    const first = seen.get(key);
    if (first !== undefined)
      diags.add(
        at(`${path}.sites`),
        `${path}.sites`,
        `the path between "${a}" and "${b}" is given twice`,
        `also at zerotier.paths[${first}]: keep one`,
      );
    else seen.set(key, i);
    const rttMs = ms(p.rtt);
    const jitterMs = ms(p.jitter);
    if (rttMs / 2 > MAX_ONE_WAY_MS)
      diags.add(
        at(`${path}.rtt`),
        `${path}.rtt`,
        `rtt ${p.rtt} is more than ${(2 * MAX_ONE_WAY_MS) / 1000}s`,
        "use a realistic round trip, e.g. 20ms",
      );
    if (jitterMs > MAX_ONE_WAY_MS)
      diags.add(
        at(`${path}.jitter`),
        `${path}.jitter`,
        `jitter ${p.jitter} is more than ${MAX_ONE_WAY_MS / 1000}s`,
        "e.g. 2ms",
      );
    const lossPct = p.loss === undefined ? 0 : Number(p.loss.slice(0, -1));
    if (lossPct > 100)
      diags.add(at(`${path}.loss`), `${path}.loss`, `loss ${p.loss} is over 100%`, "e.g. 0.1%");
    const entry: ZerotierPath = { sites: [a, b], rttMs, jitterMs, lossPct, source: at(path) };
    lab.zerotier.paths.push(entry);
  }
}

function buildRouters({ raw, at, configDir, lab }: Build): void {
  lab.routers = raw.routers.map(
    (r, i): Router => ({
      name: r.name,
      site: r.site,
      asn: r.asn,
      routerId: r.routerId,
      lanAddress: r.lanAddress,
      zerotierAddress: r.zerotierAddress,
      birdConf: resolvePath(configDir, r.bird),
      source: at(`routers[${i}]`),
    }),
  );
}

function buildNodes({ raw, at, cidrs, lab }: Build): void {
  lab.nodes = raw.nodes.map((n, i): K8sNode => {
    const podCidr = cidrs.pods.get(n.name) as Cidr;
    return {
      name: n.name,
      site: n.site,
      address: n.address,
      podCidr,
      labels: { ...(n.labels ?? {}) },
      role: n.role ?? "worker",
      pods: Array.from({ length: n.pods ?? 1 }, (_, k) => ({
        name: `${n.name}-pod${k + 1}`,
        node: n.name,
        // .1 is the node's side of every pod link (like cilium_host); pods start at .10.
        address: ip.nthHost(podCidr, FIRST_POD_HOST + k),
      })),
      bgp: null,
      source: at(`nodes[${i}]`),
    };
  });
}

function buildServices({ raw, at, cidrs, lab }: Build, diags: Diagnostics): void {
  lab.services = buildLbServices(raw.services ?? [], lab.nodes, cidrs, at, diags);
}

function resolveBgp({ lab }: Build): void {
  for (const n of lab.nodes)
    n.bgp = resolveNodeBgp(
      lab.cilium,
      {
        name: n.name,
        address: n.address,
        podCidr: n.podCidr.text,
        labels: n.labels,
        services: lab.services,
      },
      { secrets: lab.secrets, namespace: lab.secretsNamespace },
    );
}

function checkBgpWiring({ lab, at }: Build, diags: Diagnostics): void {
  const manifests = lab.cilium;
  for (const m of manifests) {
    if (m.kind !== "CiliumBGPClusterConfig") continue;
    for (const p of selectorProblems((m.spec as { nodeSelector?: never }).nodeSelector)) {
      const path = `spec.nodeSelector.matchExpressions[${p.index}]`;
      diags.add(manifestPosition(m, path), path, p.message, "Kubernetes rejects this selector");
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
    for (const s of node.bgp?.skipped ?? []) {
      const { instanceIndex, peerIndex: pi, peer } = peerSpec(owner, s.instance, s.peer);
      const ppath = `spec.bgpInstances[${instanceIndex}].peers[${pi}]`;
      const noAddress = !peer?.peerAddress;
      const field = noAddress ? ppath : `${ppath}.peerConfigRef.name`;
      diags.add(
        manifestPosition(owner, field),
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
        const where = manifestPosition(owner, `${ppath}.peerAddress`);
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
            manifestPosition(owner, `${ppath}.peerASN`),
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

// --- Overlays: changes a scenario puts on a lab, as edits of its input run through the same passes.

/** What a scenario variant changes (scenario/model.ts Variant has this shape). */
export interface ConfigVariant {
  name: string;
  /** Router name -> the bird.conf used instead of its own (absolute, or relative to the configs). */
  routers: Record<string, string>;
  /** Merged into every CiliumBGPPeerConfig's spec.gracefulRestart. */
  peerConfig?: { gracefulRestart?: { enabled?: boolean; restartTimeSeconds?: number } };
}

/** Where an overlay's problems are reported when the caller names no place. */
const OVERLAY_SOURCE: SourceRef = { file: "(scenario)", line: 0, col: 0 };

/** The lab with a variant applied: other bird.conf files, a PeerConfig override. */
export function withVariant(lab: Lab, variant: ConfigVariant, where: SourceRef = OVERLAY_SOURCE): Lab {
  const input = editableInput(lab);
  const raw = input.topology.value as RawTopology;
  const diags = new Diagnostics();
  for (const [name, file] of Object.entries(variant.routers)) {
    const router = raw.routers.find((r) => r.name === name);
    if (router) {
      router.bird = resolvePath(lab.configDir, file);
      continue;
    }
    const known = raw.routers.map((r) => r.name);
    const guess = closest(name, known);
    diags.add(
      where,
      `variants.${variant.name}.routers`,
      `unknown router "${name}"`,
      guess ? `did you mean "${guess}"?` : `routers: ${known.join(", ")}`,
    );
  }
  diags.throwIfAny();
  const override = variant.peerConfig?.gracefulRestart;
  if (override) {
    for (const doc of input.manifests ?? []) {
      const m = doc.value as { kind?: unknown; spec?: { gracefulRestart?: object } };
      if (m.kind !== "CiliumBGPPeerConfig") continue;
      m.spec = { ...m.spec, gracefulRestart: { ...m.spec?.gracefulRestart, ...override } };
    }
  }
  return rebuild(input, diags);
}

/** The lab with one more node (a scenario's `node add`), its pods and pod CIDR. */
export function withNode(lab: Lab, node: NodeJoin, where: SourceRef = OVERLAY_SOURCE): Lab {
  const input = editableInput(lab);
  const raw = input.topology.value as RawTopology;
  const index = raw.nodes.length;
  raw.nodes.push({
    name: node.name,
    site: node.site,
    address: node.address,
    podCIDR: node.podCIDR,
    labels: { ...node.labels },
    pods: node.pods,
  });
  // Problems with the new node point at the overlay, not at the topology file.
  input.topology.positions.set(`nodes[${index}]`, where);
  return rebuild(input, new Diagnostics());
}

function rebuild(input: LabInput, diags: Diagnostics): Lab {
  const lab = runPasses(input, diags);
  diags.throwIfAny();
  return lab;
}

/** A copy of the lab's input that an overlay may edit without touching the lab. The lab's name
 * is kept: `--name` runs the same topology under another name, and an overlay must not undo it. */
function editableInput(lab: Lab): LabInput {
  const copy = (doc: YamlDocument): YamlDocument => ({
    value: structuredClone(doc.value),
    positions: new Map(doc.positions),
    start: doc.start,
  });
  const topology = copy(lab.sources.topology);
  (topology.value as { name?: string }).name = lab.name;
  return {
    file: lab.topologyFile,
    topology,
    manifests: lab.sources.manifests.map(copy),
    helmValues: lab.sources.helmValues,
  };
}
