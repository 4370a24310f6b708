import { readFileSync } from "node:fs";
import { join, posix, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import yaml from "js-yaml";
import { compileSchema } from "../../../lab/config/schema-check.ts";
import { BIRD_SOCKET, ROUTER_CMD, ROUTER_IMAGE } from "../../../lab/docker/router-image.ts";
import { birdWrapper } from "../../../lab/render/bird.ts";
import {
  BIRD_CONF_IN_CONTAINER,
  BIRD_LOG_DIR_IN_CONTAINER,
  BIRD_LOG_IN_CONTAINER,
  BIRD_SOCKET_IN_CONTAINER,
  BIRD_START_ARGV,
  BIRD_WRAPPER_IN_CONTAINER,
  type ClabOptions,
  type ClabTopology,
  clabBirdWrapper,
  clabBirdWrapperPath,
  clabTopology,
  DEFAULT_ROUTER_IMAGE,
  renderClab,
} from "../../../lab/render/clab.ts";
import { clabTopologyPath, kindConfigPath } from "../../../lab/render/paths.ts";
import { loadLab } from "../../../lab/topology/load.ts";
import type { Lab } from "../../../lab/topology/model.ts";
import { LabError } from "../../../lab/util/errors.ts";
import { assertGolden } from "../../helpers/golden.ts";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const validateClab = compileSchema(
  JSON.parse(readFileSync(join(REPO, "schemas/clab.schema.json"), "utf8")) as object,
);
// Golden files must not depend on where the repo is checked out: bind relative to a work dir
// assumed at <repo>/.work.
const RELATIVE: ClabOptions = { configRootFromArtifact: "../../configs" };
const WORK_CLAB_DIR = join(REPO, ".work", "clab");

const lab = await loadLab();

function parsed(l: Lab, opts: ClabOptions = {}): ClabTopology {
  const [artifact] = renderClab(l, opts);
  return yaml.load(artifact?.content ?? "") as ClabTopology;
}

type Node = { kind: string; binds?: string[]; exec?: string[]; "startup-config"?: string; extras?: unknown };
const node = (topo: ClabTopology, name: string) => topo.topology.nodes[name] as Node | undefined;

test("the kind topology matches its golden file", (t) => {
  const [artifact] = renderClab(lab, RELATIVE);
  t.is(artifact?.path, clabTopologyPath(lab));
  t.false(artifact?.content.includes(lab.configDir), "no absolute path in golden content");
  assertGolden(t, "render/xsite.clab.yml", artifact?.content ?? "");
});

test("the k3d topology matches its golden file", (t) => {
  const [artifact] = renderClab(lab, { ...RELATIVE, k8s: "k3d" });
  t.false(artifact?.content.includes(lab.configDir));
  assertGolden(t, "render/xsite.k3d.clab.yml", artifact?.content ?? "");
});

for (const opts of [{}, RELATIVE, { k8s: "k3d" }, { logRootFromArtifact: "/srv/logs" }] as ClabOptions[]) {
  test(`passes the upstream containerlab schema (${JSON.stringify(opts)})`, (t) => {
    const ok = validateClab(parsed(lab, opts));
    t.true(ok, JSON.stringify(validateClab.errors, null, 2));
  });
}

test("the schema check is not vacuous: an unknown node kind fails", (t) => {
  const topo = parsed(lab);
  (topo.topology.nodes["router-home"] as Node).kind = "no-such-kind";
  t.false(validateClab(topo));
});

test("every router binds its own bird.conf read-only (absolute by default), its wrapper, its log dir and the host's zone", (t) => {
  const topo = parsed(lab);
  for (const r of lab.routers) {
    t.deepEqual(node(topo, r.name)?.binds, [
      `${r.birdConf}:${BIRD_CONF_IN_CONTAINER}:ro`,
      `bird/${r.name}.conf:${BIRD_WRAPPER_IN_CONTAINER}:ro`,
      `../logs/${r.name}:${BIRD_LOG_DIR_IN_CONTAINER}:rw`,
      "/etc/localtime:/etc/localtime:ro",
    ]);
  }
});

test("the wrapper and log dir binds resolve from the topology file's directory", (t) => {
  const work = join(REPO, ".work");
  for (const opts of [{}, RELATIVE, { logRootFromArtifact: "/srv/logs" }] as ClabOptions[]) {
    const topo = parsed(lab, opts);
    for (const r of lab.routers) {
      const [, wrapper, logDir] = (node(topo, r.name)?.binds ?? []).map((b) => b.split(":"));
      t.deepEqual(wrapper?.slice(1), [BIRD_WRAPPER_IN_CONTAINER, "ro"]);
      t.is(resolve(WORK_CLAB_DIR, wrapper?.[0] ?? ""), join(work, clabBirdWrapperPath(r.name)));
      t.deepEqual(logDir?.slice(1), [BIRD_LOG_DIR_IN_CONTAINER, "rw"]);
      t.is(
        resolve(WORK_CLAB_DIR, logDir?.[0] ?? ""),
        opts.logRootFromArtifact ? `/srv/logs/${r.name}` : join(work, "logs", r.name),
      );
    }
  }
});

test("a log root that cannot be bound is refused", (t) => {
  const err = t.throws(() => clabTopology(lab, { logRootFromArtifact: "/srv/a:b" }), {
    instanceOf: LabError,
  });
  t.regex(err?.message ?? "", /contains ":"/);
});

test("the topology comes with one BIRD wrapper per router, beside it", (t) => {
  const [topology, ...wrappers] = renderClab(lab, RELATIVE);
  t.is(topology?.path, clabTopologyPath(lab));
  t.deepEqual(
    wrappers.map((a) => a.path),
    lab.routers.map((r) => `clab/bird/${r.name}.conf`),
  );
  for (const [i, r] of lab.routers.entries()) t.is(wrappers[i]?.content, clabBirdWrapper(r));
  assertGolden(t, "render/clab-bird-router-home.conf", wrappers[0]?.content ?? "");
});

test("the clab wrapper is the netns wrapper with in-container paths: the real config, the bound log", (t) => {
  for (const r of lab.routers) {
    const text = clabBirdWrapper(r);
    t.is(text, birdWrapper({ name: r.name, birdConf: BIRD_CONF_IN_CONTAINER }, BIRD_LOG_IN_CONTAINER));
    t.true(text.includes(`include "${BIRD_CONF_IN_CONTAINER}";`));
    t.true(text.includes(`log "${BIRD_LOG_IN_CONTAINER}" all;`));
    t.true(text.includes("timeformat log iso long ms;"));
    t.true(text.includes("debug protocols { states, events };"));
  }
  t.is(posix.dirname(BIRD_LOG_IN_CONTAINER), BIRD_LOG_DIR_IN_CONTAINER);
  t.not(BIRD_WRAPPER_IN_CONTAINER, BIRD_CONF_IN_CONTAINER);
});

test("relative binds resolve from the topology file's directory to the real bird.conf", (t) => {
  const topo = parsed(lab, RELATIVE);
  for (const r of lab.routers) {
    const [bind] = node(topo, r.name)?.binds ?? [];
    const [source, target, mode] = (bind ?? "").split(":");
    t.is(resolve(WORK_CLAB_DIR, source ?? ""), r.birdConf);
    t.is(target, BIRD_CONF_IN_CONTAINER);
    t.is(mode, "ro");
  }
});

test("routers get their LAN and ZeroTier addresses, MTU 2800, and start BIRD", (t) => {
  const topo = parsed(lab);
  const exec = node(topo, "router-home")?.exec ?? [];
  t.true(exec.includes("ip addr add 192.168.0.1/24 dev lan0"));
  t.true(exec.includes("ip link set dev zt0 mtu 2800"));
  t.true(exec.includes("ip addr add 192.168.191.10/24 dev zt0"));
  t.true(exec.includes(`bird -c ${BIRD_WRAPPER_IN_CONTAINER} -s ${BIRD_SOCKET_IN_CONTAINER}`));
  t.is(exec.at(-1), BIRD_START_ARGV.join(" "));
  t.false(
    exec.some((c) => c.startsWith(`bird -c ${BIRD_CONF_IN_CONTAINER}`)),
    "BIRD starts on the wrapper",
  );
  t.true(node(topo, "router-mine")?.exec?.includes("ip addr add 192.168.191.12/24 dev zt0"));
});

test("router image, config path and socket agree with the router image module", (t) => {
  t.is(DEFAULT_ROUTER_IMAGE, ROUTER_IMAGE);
  t.is(BIRD_SOCKET_IN_CONTAINER, BIRD_SOCKET);
  t.true(ROUTER_CMD.includes(BIRD_CONF_IN_CONTAINER));
  t.true(
    node(parsed(lab), "router-mine")?.exec?.includes(
      `bird -c ${BIRD_WRAPPER_IN_CONTAINER} -s ${BIRD_SOCKET}`,
    ),
  );
});

test("one link stands for ZeroTier, with MTU 2800", (t) => {
  const zt = parsed(lab).topology.links.filter((l) => l.endpoints.some((e) => e.endsWith(":zt0")));
  t.deepEqual(zt, [{ endpoints: ["router-home:zt0", "router-mine:zt0"], mtu: 2800 }]);
});

test("three or more routers share ZeroTier through a switch container", (t) => {
  const three = structuredClone(lab);
  three.sites.push({
    name: "far",
    lan: { text: "192.168.9.0/24", network: "192.168.9.0", prefixLength: 24 },
    router: "router-far",
  });
  three.routers.push({
    ...(structuredClone(lab.routers[0]) as Lab["routers"][number]),
    name: "router-far",
    site: "far",
    asn: 64520,
    lanAddress: "192.168.9.1",
    zerotierAddress: "192.168.191.20",
  });
  const topo = parsed(three);
  t.is(node(topo, "zerotier")?.kind, "linux");
  const zt = topo.topology.links.filter((l) => l.endpoints.some((e) => e.startsWith("zerotier:")));
  t.deepEqual(
    zt.map((l) => [l.endpoints[0], l.mtu]),
    [
      ["router-home:zt0", 2800],
      ["router-mine:zt0", 2800],
      ["router-far:zt0", 2800],
    ],
  );
  t.true(validateClab(topo), JSON.stringify(validateClab.errors));
});

test("each site has a switch container joining its router and its nodes", (t) => {
  const topo = parsed(lab);
  t.is(node(topo, "lan-mine")?.kind, "linux");
  const ports = topo.topology.links.filter((l) => l.endpoints.some((e) => e.startsWith("lan-mine:")));
  t.deepEqual(ports.map((l) => l.endpoints[0]).sort(), [
    "router-mine:lan0",
    "xsite-control-plane:eth1",
    "xsite-worker2:eth1",
  ]);
});

test("kind nodes are ext-containers named as kind names them, configured with their LAN address", (t) => {
  const topo = parsed(lab);
  t.is(node(topo, "xsite")?.kind, "k8s-kind");
  t.is(
    posix.join(posix.dirname(clabTopologyPath(lab)), node(topo, "xsite")?.["startup-config"] ?? ""),
    kindConfigPath(lab),
  );
  const expected = {
    "xsite-control-plane": "192.168.6.80",
    "xsite-worker": "192.168.0.81",
    "xsite-worker2": "192.168.6.81",
  };
  for (const [name, address] of Object.entries(expected)) {
    t.is(node(topo, name)?.kind, "ext-container");
    t.true(
      node(topo, name)?.exec?.some((c) => c.startsWith(`ip addr add ${address}/24 dev eth1`)),
      name,
    );
  }
  t.true(node(topo, "xsite-worker")?.exec?.includes("ip route add 10.42.0.0/16 via 192.168.0.1 dev eth1"));
});

test("k3d: no k8s-kind node, k3d container names, bpffs made shared", (t) => {
  const topo = parsed(lab, { k8s: "k3d" });
  t.false(Object.values(topo.topology.nodes).some((n) => n.kind === "k8s-kind"));
  for (const name of ["k3d-xsite-server-0", "k3d-xsite-agent-0", "k3d-xsite-agent-1"]) {
    t.is(node(topo, name)?.kind, "ext-container");
    t.true(node(topo, name)?.exec?.includes("mount --make-shared /sys/fs/bpf"));
  }
});

test("kindWait is passed to containerlab's k8s-kind extras", (t) => {
  t.deepEqual(node(parsed(lab, { kindWait: "0s" }), "xsite")?.extras, {
    k8s_kind: { deploy: { wait: "0s" } },
  });
  t.is(node(parsed(lab), "xsite")?.extras, undefined);
});

test("a generated name that collides with a router is refused", (t) => {
  const err = t.throws(() => clabTopology(lab, { clusterName: "router-home" }), { instanceOf: LabError });
  t.regex(err?.message ?? "", /router-home/);
});
