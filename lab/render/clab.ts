// The containerlab topology of the full-fidelity runtime: the real routers running BIRD on the
// real bird.conf, one link standing for ZeroTier, a LAN per site, and the kind (or k3d) node
// containers wired into their site's LAN as ext-containers.
//
// Decisions:
// - LAN bridges are `kind: linux` "switch" containers holding a Linux bridge in their own
//   namespace. containerlab's `bridge` and `ovs-bridge` kinds only attach to a bridge that
//   already exists in the HOST namespace (containerlab never creates it), so they would need the
//   lab to change the host; a switch container is created and removed with the lab.
// - bird.conf is bind-mounted read-only. Binds are resolved from the topology file's directory
//   (<workdir>/clab), which a pure renderer does not know, so by default the bind source is the
//   absolute path of the real file; `configRootFromArtifact` switches to a relative path for a
//   work dir that sits at a known place relative to the configs (and for golden files).
// - BIRD starts on the lab's wrapper (lab/render/bird.ts) so scenarios get the netns runtime's
//   millisecond event log (states, events) for event timestamps, in a bound host log dir. The
//   wrapper is rendered beside the topology (clab/bird/<router>.conf) and bound relative to it;
//   the log dir (`logRootFromArtifact`) must exist before deploy: containerlab checks bind sources.
// - Linux nodes ignore a link's ipv4 fields, so every address is set by `exec` (run after the
//   links exist). containerlab splits exec commands into words without a shell, and expands `$`,
//   so each command here is a single plain program call.
// - Routers and switches run `sleep infinity` instead of the router image's foreground BIRD
//   (lab/docker/router-image.ts): a container whose main process exits is restarted by Docker
//   with a fresh network namespace, which loses every containerlab link. BIRD is started by
//   exec, daemonised, so a scenario can kill and restart it while the links stay.
// - Node containers keep their default route on the kind/k3d docker network (image pulls,
//   the API endpoint); only the pod CIDR and the other sites' LANs go via the site router.
import { isAbsolute, posix, relative, sep } from "node:path";
import type { Lab, Router, Site } from "../topology/model.ts";
import { LAN_MTU } from "../topology/mtu.ts";
import { LabError } from "../util/errors.ts";
import type { Artifact } from "./artifact.ts";
import { birdWrapperText } from "./bird.ts";
import { type ClusterMember, clusterMembers, type K8sDistribution } from "./k8s-cluster.ts";
import { KIND_NODE_IMAGE } from "./k8s-images.ts";
import { CLAB_DIR, clabTopologyPath, kindConfigPath, relativeToClabTopology } from "./paths.ts";
import { yamlText } from "./yaml-text.ts";

/** Same image and socket as lab/docker/router-image.ts (a test keeps them equal). */
export const DEFAULT_ROUTER_IMAGE = "xsite/bird:2.0.12";
/** Interface names inside the containers. `zt*` matches the BFD pattern of the bfd-short-timers variant. */
export const ROUTER_LAN_IF = "lan0";
export const ROUTER_ZT_IF = "zt0";
export const NODE_LAN_IF = "eth1";
export const BIRD_CONF_IN_CONTAINER = "/etc/bird/bird.conf";
export const BIRD_SOCKET_IN_CONTAINER = "/run/bird/bird.ctl";
/** The lab's wrapper (logging, then `include` of BIRD_CONF_IN_CONTAINER): what BIRD is started on. */
export const BIRD_WRAPPER_IN_CONTAINER = "/etc/bird/lab/bird.conf";
/** Bound read-write to the router's host log dir. */
export const BIRD_LOG_DIR_IN_CONTAINER = "/var/log/bird";
export const BIRD_LOG_IN_CONTAINER = `${BIRD_LOG_DIR_IN_CONTAINER}/bird.log`;
/** How a router's BIRD is started (daemonised) in its container, by exec or to restart it. */
export const BIRD_START_ARGV: readonly string[] = [
  "bird",
  "-c",
  BIRD_WRAPPER_IN_CONTAINER,
  "-s",
  BIRD_SOCKET_IN_CONTAINER,
];
/** Default of ClabOptions.logRootFromArtifact: <workdir>/logs, beside <workdir>/clab. */
export const DEFAULT_LOG_ROOT_FROM_ARTIFACT = "../logs";

export interface ClabOptions {
  /** Image of the two routers; needs bird2 and iproute2. */
  routerImage?: string;
  /** Image of the LAN switch containers; default the router image (it has iproute2). */
  switchImage?: string;
  /**
   * Path from the topology file's directory (<workdir>/clab) to the topology's config dir, e.g.
   * "../../configs". Unset: the bird.conf binds use absolute paths.
   */
  configRootFromArtifact?: string;
  /**
   * Host directory holding one BIRD log dir per router (<dir>/<router>, bound read-write at
   * BIRD_LOG_DIR_IN_CONTAINER): relative to the topology file's directory, or absolute. Default
   * DEFAULT_LOG_ROOT_FROM_ARTIFACT. Each router's dir must exist before containerlab deploys.
   */
  logRootFromArtifact?: string;
  k8s?: K8sDistribution;
  /** kind/k3d cluster name; default the lab's name. */
  clusterName?: string;
  /** kindest/node image for the k8s-kind node; default the pinned KIND_NODE_IMAGE. */
  kindNodeImage?: string;
  /**
   * How long containerlab's k8s-kind waits for Ready (default 15 min; with no CNI the nodes stay
   * NotReady until Cilium is installed), e.g. "0s". Emitted as extras.k8s_kind.deploy.wait, which
   * containerlab reads but its v0.79 schema does not list: leave unset to keep the file
   * schema-valid.
   */
  kindWait?: string;
  lanMtu?: number;
}

type ClabNode = Record<string, unknown> & { kind: string };

interface ClabLink {
  endpoints: [string, string];
  mtu: number;
}

export interface ClabTopology {
  name: string;
  topology: { nodes: Record<string, ClabNode>; links: ClabLink[] };
}

export function clabTopology(lab: Lab, opts: ClabOptions = {}): ClabTopology {
  const distribution = opts.k8s ?? "kind";
  const clusterName = opts.clusterName ?? lab.name;
  const routerImage = opts.routerImage ?? DEFAULT_ROUTER_IMAGE;
  const switchImage = opts.switchImage ?? routerImage;
  // The model's LAN MTU, not containerlab's default (9500), which would make the 2800-byte
  // ZeroTier hop the bottleneck, which it never is in the seed.
  const lanMtu = opts.lanMtu ?? LAN_MTU;
  const members = clusterMembers(lab, distribution, clusterName);
  const nodes: [string, ClabNode][] = [];
  const links: ClabLink[] = [];

  for (const r of lab.routers)
    nodes.push([r.name, routerNode(lab, r, siteOf(lab, r.site), routerImage, opts)]);
  links.push(...zerotierLinks(lab, switchImage, nodes));

  for (const site of lab.sites) {
    const router = routerOf(lab, site);
    const local = members.filter((m) => m.node.site === site.name);
    const switchName = `lan-${site.name}`;
    const attached = [
      `${router.name}:${ROUTER_LAN_IF}`,
      ...local.map((m) => `${m.container}:${NODE_LAN_IF}`),
    ];
    nodes.push([switchName, switchNode(switchImage, attached.length)]);
    attached.forEach((end, i) => {
      links.push({ endpoints: [end, `${switchName}:eth${i + 1}`], mtu: lanMtu });
    });
  }

  if (distribution === "kind") nodes.push([clusterName, kindClusterNode(lab, opts)]);
  for (const m of members) nodes.push([m.container, memberNode(lab, m, distribution)]);

  return { name: lab.name, topology: { nodes: uniqueNodes(nodes), links } };
}

function routerNode(lab: Lab, r: Router, site: Site, image: string, opts: ClabOptions): ClabNode {
  const zt = lab.routers.length > 1;
  return {
    kind: "linux",
    image,
    cmd: "sleep infinity",
    binds: [
      `${bindSource(lab, r.birdConf, opts)}:${BIRD_CONF_IN_CONTAINER}:ro`,
      `${bindable(relativeToClabTopology(lab, clabBirdWrapperPath(r.name)))}:${BIRD_WRAPPER_IN_CONTAINER}:ro`,
      `${bindable(birdLogDirFromArtifact(r.name, opts))}:${BIRD_LOG_DIR_IN_CONTAINER}:rw`,
      // BIRD logs local time without a zone; the host reads it in its own zone.
      "/etc/localtime:/etc/localtime:ro",
    ],
    sysctls: { "net.ipv4.ip_forward": 1 },
    exec: [
      `ip addr add ${r.lanAddress}/${site.lan.prefixLength} dev ${ROUTER_LAN_IF}`,
      ...(zt
        ? [
            `ip link set dev ${ROUTER_ZT_IF} mtu ${lab.zerotier.mtu}`,
            `ip addr add ${r.zerotierAddress}/${lab.zerotier.network.prefixLength} dev ${ROUTER_ZT_IF}`,
          ]
        : []),
      "mkdir -p /run/bird",
      BIRD_START_ARGV.join(" "),
    ],
  };
}

// ZeroTier is one virtual L2 network: a plain link for two routers, a switch for more.
function zerotierLinks(lab: Lab, switchImage: string, nodes: [string, ClabNode][]): ClabLink[] {
  const ends = lab.routers.map((r) => `${r.name}:${ROUTER_ZT_IF}`);
  const mtu = lab.zerotier.mtu;
  if (ends.length < 2) return [];
  if (ends.length === 2) return [{ endpoints: [ends[0] as string, ends[1] as string], mtu }];
  nodes.push(["zerotier", switchNode(switchImage, ends.length)]);
  return ends.map((end, i) => ({ endpoints: [end, `zerotier:eth${i + 1}`], mtu }));
}

function switchNode(image: string, ports: number): ClabNode {
  const names = Array.from({ length: ports }, (_, i) => `eth${i + 1}`);
  return {
    kind: "linux",
    image,
    cmd: "sleep infinity",
    exec: [
      "ip link add name br0 type bridge",
      "ip link set dev br0 up",
      ...names.flatMap((p) => [`ip link set dev ${p} master br0`, `ip link set dev ${p} up`]),
    ],
  };
}

function kindClusterNode(lab: Lab, opts: ClabOptions): ClabNode {
  return {
    kind: "k8s-kind",
    // containerlab hands it to kind (cluster.CreateWithNodeImage), over the kind config's images.
    image: opts.kindNodeImage ?? KIND_NODE_IMAGE,
    "startup-config": relativeToClabTopology(lab, kindConfigPath(lab)),
    ...(opts.kindWait ? { extras: { k8s_kind: { deploy: { wait: opts.kindWait } } } } : {}),
  };
}

function memberNode(lab: Lab, m: ClusterMember, distribution: K8sDistribution): ClabNode {
  const site = siteOf(lab, m.node.site);
  const gateway = routerOf(lab, site).lanAddress;
  const remote = [lab.cluster.podCidr, ...lab.sites.filter((s) => s !== site).map((s) => s.lan)];
  return {
    kind: "ext-container",
    exec: [
      `ip addr add ${m.node.address}/${site.lan.prefixLength} dev ${NODE_LAN_IF}`,
      `ip link set dev ${NODE_LAN_IF} up`,
      ...remote.map((c) => `ip route add ${c.text} via ${gateway} dev ${NODE_LAN_IF}`),
      ...(distribution === "k3d" ? K3D_CILIUM_MOUNTS : []),
    ],
  };
}

// k3d issue #363: Cilium wants bpffs and a cgroup2 mount, both shared, inside every k3s node.
const K3D_CILIUM_MOUNTS = [
  "mount bpffs /sys/fs/bpf -t bpf",
  "mount --make-shared /sys/fs/bpf",
  "mkdir -p /run/cilium/cgroupv2",
  "mount -t cgroup2 none /run/cilium/cgroupv2",
  "mount --make-shared /run/cilium/cgroupv2",
];

function bindSource(lab: Lab, file: string, opts: ClabOptions): string {
  const source =
    opts.configRootFromArtifact === undefined
      ? file
      : posix.join(opts.configRootFromArtifact, relative(lab.configDir, file).split(sep).join("/"));
  bindable(source, "move the configs");
  if (opts.configRootFromArtifact === undefined && !isAbsolute(source))
    throw new LabError(`BIRD config path ${source} is not absolute`);
  return source;
}

// Docker's bind syntax is source:target:mode; a colon in the source cannot be expressed.
function bindable(source: string, hint = "move the lab's work dir"): string {
  if (source.includes(":"))
    throw new LabError(`cannot bind ${source} into a container: the path contains ":"`, hint);
  return source;
}

/** The rendered BIRD wrapper of a clab router, relative to the work dir (beside the topology). */
export function clabBirdWrapperPath(router: string): string {
  return `${CLAB_DIR}/bird/${router}.conf`;
}

/** The bind source of a router's log dir, as containerlab resolves it from the topology file. */
export function birdLogDirFromArtifact(
  router: string,
  opts: Pick<ClabOptions, "logRootFromArtifact"> = {},
): string {
  return posix.join(opts.logRootFromArtifact ?? DEFAULT_LOG_ROOT_FROM_ARTIFACT, router);
}

/** The wrapper BIRD starts on in a clab router: the real, bound bird.conf, logging to the bound dir. */
export function clabBirdWrapper(router: Pick<Router, "name">): string {
  return birdWrapperText({
    name: router.name,
    include: BIRD_CONF_IN_CONTAINER,
    logFile: BIRD_LOG_IN_CONTAINER,
  });
}

function uniqueNodes(nodes: [string, ClabNode][]): Record<string, ClabNode> {
  const out: Record<string, ClabNode> = {};
  for (const [name, node] of nodes) {
    if (name in out)
      throw new LabError(
        `two containerlab nodes would be named "${name}"`,
        "rename the router, site or cluster: generated names are lan-<site>, zerotier, <cluster> and the kind/k3d node names",
      );
    out[name] = node;
  }
  return out;
}

function siteOf(lab: Lab, name: string): Site {
  const site = lab.sites.find((s) => s.name === name);
  if (!site) throw new LabError(`unknown site "${name}"`);
  return site;
}

function routerOf(lab: Lab, site: Site): Router {
  const router = lab.routers.find((r) => r.name === site.router);
  if (!router) throw new LabError(`site "${site.name}" has no router "${site.router}"`);
  return router;
}

export function renderClab(lab: Lab, opts: ClabOptions = {}): Artifact[] {
  const topo = clabTopology(lab, opts);
  const distribution = opts.k8s ?? "kind";
  const header = [
    `containerlab topology for lab "${lab.name}", rendered from the lab model; do not edit.`,
    "Routers run BIRD on their real bird.conf (bound read-only) through a logging wrapper",
    `(bird/<router>.conf; log dir ${birdLogDirFromArtifact("<router>", opts)}, created before deploy); lan-<site>`,
    `are switch containers holding a Linux bridge; the ${ROUTER_ZT_IF} link stands for ZeroTier (MTU ${lab.zerotier.mtu}).`,
    distribution === "kind"
      ? "The k8s-kind node creates the kind cluster; its containers join as ext-containers."
      : "Create the k3d cluster first; its containers join as ext-containers.",
  ];
  return [
    {
      path: clabTopologyPath(lab),
      description: `containerlab topology for ${lab.name} (${distribution}): ${Object.keys(topo.topology.nodes).length} nodes, ${topo.topology.links.length} links`,
      content: yamlText(topo, header),
    },
    ...lab.routers.map((r) => ({
      path: clabBirdWrapperPath(r.name),
      description: `BIRD wrapper for ${r.name} in its container, including ${BIRD_CONF_IN_CONTAINER}`,
      content: clabBirdWrapper(r),
    })),
  ];
}
