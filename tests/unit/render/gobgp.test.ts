import { execFile, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import test, { type ExecutionContext } from "ava";
import yaml from "js-yaml";
import { parseNeighbors } from "../../../lab/gobgp/cli.ts";
import {
  ALLOW_LOCAL_POLICY,
  GOBGP_API_BASE_PORT,
  gobgpSpeakers,
  renderGobgp,
} from "../../../lab/render/gobgp.ts";
import { loadLab } from "../../../lab/topology/load.ts";
import type { K8sNode, Lab } from "../../../lab/topology/model.ts";
import { assertGolden } from "../../helpers/golden.ts";

const CONFIGS = fileURLToPath(new URL("../../../configs/", import.meta.url));
const FIXTURES = fileURLToPath(new URL("../../fixtures/gobgp/", import.meta.url));

const lab = await loadLab();

/** The subset of GoBGP's YAML config the renderer writes. */
interface GobgpConfig {
  global: {
    config: { as: number; "router-id": string; port: number };
    "apply-policy": {
      config: {
        "import-policy-list": string[];
        "default-import-policy": string;
        "default-export-policy": string;
      };
    };
  };
  neighbors: {
    config: { "neighbor-address": string; "peer-as": number; description: string };
    transport: { config: { "remote-port": number; "passive-mode": boolean } };
    timers: { config: { "connect-retry": number; "hold-time": number; "keepalive-interval": number } };
    "ebgp-multihop": { config: { enabled: boolean; "multihop-ttl": number } };
    "graceful-restart": { config: { enabled: boolean; "restart-time": number } };
    "afi-safis": {
      config: { "afi-safi-name": string };
      "mp-graceful-restart"?: { config: { enabled: boolean } };
    }[];
  }[];
  "policy-definitions": {
    name: string;
    statements: {
      name: string;
      conditions: { "bgp-conditions": { "route-type": string } };
      actions: { "route-disposition": string };
    }[];
  }[];
}

function node(l: Lab, name: string): K8sNode {
  const n = l.nodes.find((x) => x.name === name);
  if (!n) throw new Error(`no node ${name}`);
  return n;
}

/** The parsed config of a node's only speaker, read back from the rendered file text. */
function rendered(l: Lab, name: string): GobgpConfig {
  const artifacts = renderGobgp(l).filter((a) => a.path.startsWith(`gobgp/${name}/`));
  if (artifacts.length !== 1)
    throw new Error(`expected one GoBGP config for ${name}, got ${artifacts.length}`);
  return yaml.load(artifacts[0]?.content ?? "") as GobgpConfig;
}

const NODES = ["yuuko-k8s", "sakamoto", "nano"] as const;

// ---------------------------------------------------------------------------------------------
// Golden files

for (const name of NODES) {
  test(`GoBGP config of ${name} matches tests/golden/gobgp/${name}.yaml`, (t) => {
    const artifacts = renderGobgp(lab).filter((a) => a.path.startsWith(`gobgp/${name}/`));
    t.is(artifacts.length, 1);
    const a = artifacts[0];
    t.is(a?.path, `gobgp/${name}/instance-64514.yaml`);
    assertGolden(t, `gobgp/${name}.yaml`, a?.content ?? "");
  });
}

test("one artifact per node and instance, with a description naming what it originates", (t) => {
  t.deepEqual(
    renderGobgp(lab).map((a) => [a.path, a.description]),
    [
      [
        "gobgp/yuuko-k8s/instance-64514.yaml",
        "GoBGP config of yuuko-k8s (instance-64514), originates 10.42.3.0/24",
      ],
      [
        "gobgp/sakamoto/instance-64514.yaml",
        "GoBGP config of sakamoto (instance-64514), originates 10.42.0.0/24",
      ],
      ["gobgp/nano/instance-64514.yaml", "GoBGP config of nano (instance-64514), originates 10.42.1.0/24"],
    ],
  );
});

// ---------------------------------------------------------------------------------------------
// What the config says, read back from the YAML text

test("speakers: one per node, own pod CIDR to originate, API ports from the base", (t) => {
  for (const n of lab.nodes) {
    const speakers = gobgpSpeakers(n);
    t.is(speakers.length, 1, n.name);
    t.like(speakers[0], {
      node: n.name,
      instance: "instance-64514",
      configPath: `gobgp/${n.name}/instance-64514.yaml`,
      apiPort: GOBGP_API_BASE_PORT,
      prefixes: [n.podCidr.text],
    });
  }
});

test("global: AS 64514, router id = node address, no listener (port -1)", (t) => {
  for (const name of NODES) {
    const g = rendered(lab, name).global.config;
    t.deepEqual(g, { as: 64514, "router-id": node(lab, name).address, port: -1 }, name);
  }
});

test("import: default reject plus the allow-local policy; export accepts", (t) => {
  for (const name of NODES) {
    const c = rendered(lab, name);
    t.deepEqual(c.global["apply-policy"].config, {
      "import-policy-list": [ALLOW_LOCAL_POLICY],
      "default-import-policy": "reject-route",
      "default-export-policy": "accept-route",
    });
    t.deepEqual(c["policy-definitions"], [
      {
        name: ALLOW_LOCAL_POLICY,
        statements: [
          {
            name: "accept-local",
            conditions: { "bgp-conditions": { "route-type": "local" } },
            actions: { "route-disposition": "accept-route" },
          },
        ],
      },
    ]);
  }
});

test("neighbors: the site router, Cilium's default timers, graceful restart off, ipv4 unicast", (t) => {
  const expected: Record<string, [string, number, string]> = {
    "yuuko-k8s": ["192.168.0.1", 64515, "router-home"],
    sakamoto: ["192.168.6.1", 64513, "router-mine"],
    nano: ["192.168.6.1", 64513, "router-mine"],
  };
  for (const name of NODES) {
    const [address, asn, description] = expected[name] as [string, number, string];
    t.deepEqual(rendered(lab, name).neighbors, [
      {
        config: { "neighbor-address": address, "peer-as": asn, description },
        transport: { config: { "remote-port": 179, "passive-mode": false } },
        timers: { config: { "connect-retry": 120, "hold-time": 90, "keepalive-interval": 30 } },
        "ebgp-multihop": { config: { enabled: false, "multihop-ttl": 1 } },
        "graceful-restart": { config: { enabled: false, "restart-time": 120 } },
        "afi-safis": [{ config: { "afi-safi-name": "ipv4-unicast" } }],
      },
    ]);
  }
});

test("the header comment names the ClusterConfig and the prefixes to originate", (t) => {
  const a = renderGobgp(lab).find((x) => x.path.startsWith("gobgp/yuuko-k8s/"));
  t.true(
    a?.content.startsWith(
      "# Rendered from the Cilium BGP CRDs for node yuuko-k8s (ClusterConfig cilium-bgp-remote).\n# Originate: 10.42.3.0/24\n",
    ),
  );
});

test("a node without a speaker renders nothing", (t) => {
  const n = node(lab, "nano");
  t.deepEqual(gobgpSpeakers({ ...n, bgp: null }), []);
  t.deepEqual(renderGobgp({ ...lab, nodes: [{ ...n, bgp: null }] }), []);
});

// ---------------------------------------------------------------------------------------------
// A variation: graceful restart, other timers, a listening port, multihop, no peerConfigRef

async function variation(t: ExecutionContext): Promise<Lab> {
  const dir = mkdtempSync(join(tmpdir(), "gobgp-render-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(CONFIGS, dir, { recursive: true });
  const edit = (file: string, from: string, to: string) => {
    const p = join(dir, file);
    const text = readFileSync(p, "utf8");
    if (text.split(from).length !== 2)
      throw new Error(`test setup: ${JSON.stringify(from)} not once in ${file}`);
    writeFileSync(p, text.replace(from, to));
  };
  const pc = "k8s/cilium/peer-config.yaml";
  edit(pc, "enabled: false", "enabled: true");
  edit(pc, "restartTimeSeconds: 120", "restartTimeSeconds: 60");
  edit(pc, "holdTimeSeconds: 90", "holdTimeSeconds: 9");
  edit(pc, "keepAliveTimeSeconds: 30", "keepAliveTimeSeconds: 3");
  edit(pc, "ebgpMultihop: 1", "ebgpMultihop: 2");
  // yuuko-k8s's speaker listens and gets a second peer without a PeerConfig
  edit(
    "k8s/cilium/networks.yaml",
    "      localASN: 64514\n      peers:\n        - name: router-home",
    "      localASN: 64514\n      localPort: 1790\n      peers:\n        - name: spare\n          peerASN: 64515\n          peerAddress: 192.168.0.1\n        - name: router-home",
  );
  return loadLab(join(dir, "topology.yaml"));
}

test("variation: GR on every family, PeerConfig timers, multihop, listening port, bare peer", async (t) => {
  const l = await variation(t);
  const yuuko = rendered(l, "yuuko-k8s");
  t.is(yuuko.global.config.port, 1790);
  t.is(rendered(l, "sakamoto").global.config.port, -1);
  const [spare, home] = yuuko.neighbors;
  t.deepEqual(home?.timers.config, { "connect-retry": 120, "hold-time": 9, "keepalive-interval": 3 });
  t.deepEqual(home?.["graceful-restart"].config, { enabled: true, "restart-time": 60 });
  t.deepEqual(home?.["ebgp-multihop"].config, { enabled: true, "multihop-ttl": 2 });
  t.deepEqual(home?.["afi-safis"], [
    { config: { "afi-safi-name": "ipv4-unicast" }, "mp-graceful-restart": { config: { enabled: true } } },
  ]);
  // no peerConfigRef: Cilium's defaults, both families, nothing originated because of it
  t.deepEqual(spare?.timers.config, { "connect-retry": 120, "hold-time": 90, "keepalive-interval": 30 });
  t.deepEqual(spare?.["graceful-restart"].config, { enabled: false, "restart-time": 120 });
  t.deepEqual(
    spare?.["afi-safis"].map((f) => f.config["afi-safi-name"]),
    ["ipv4-unicast", "ipv6-unicast"],
  );
  t.deepEqual(gobgpSpeakers(node(l, "yuuko-k8s"))[0]?.prefixes, ["10.42.3.0/24"]);
});

// ---------------------------------------------------------------------------------------------
// The real gobgpd accepts what the lab renders

const haveGobgpd = spawnSync("gobgpd", ["--version"], { encoding: "utf8" }).error === undefined;
if (!haveGobgpd) console.log("gobgp-render: `gobgpd` is not installed; skipping the gobgpd --dry-run tests");
const withGobgpd = haveGobgpd ? test : test.skip;

function dryRun(file: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    execFile(
      "gobgpd",
      ["-t", "yaml", "-f", file, "--dry-run"],
      { timeout: 20_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : null) : 0;
        resolve({ code, output: `${stdout}${stderr}` });
      },
    );
  });
}

async function writeArtifacts(t: ExecutionContext, l: Lab): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), "gobgp-dry-run-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return renderGobgp(l).map((a) => {
    const file = join(dir, a.path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, a.content);
    return file;
  });
}

withGobgpd("gobgpd --dry-run accepts every rendered config of the real topology", async (t) => {
  const files = await writeArtifacts(t, lab);
  t.is(files.length, 3);
  for (const f of files) {
    const r = await dryRun(f);
    t.is(r.code, 0, `${f}: ${r.output}`);
    t.regex(r.output, /Finished reading the config file/);
  }
});

withGobgpd("gobgpd --dry-run accepts the variation (GR, multihop, port, ipv6 family)", async (t) => {
  for (const f of await writeArtifacts(t, await variation(t))) {
    const r = await dryRun(f);
    t.is(r.code, 0, `${f}: ${r.output}`);
  }
});

withGobgpd("gobgpd --dry-run is a real check: an unknown key is fatal", async (t) => {
  const [first] = await writeArtifacts(t, lab);
  if (!first) throw new Error("no artifact");
  writeFileSync(first, readFileSync(first, "utf8").replace("hold-time: 90", "hold-tme: 90"));
  const r = await dryRun(first);
  t.not(r.code, 0);
  t.regex(r.output, /has invalid keys: hold-tme/);
});

// ---------------------------------------------------------------------------------------------
// parseNeighbors on captured `gobgp neighbor -j` output (see tests/fixtures/gobgp/README.md)

const fixture = (name: string) => readFileSync(join(FIXTURES, name), "utf8");

test("parseNeighbors: an established session (session_state 6)", (t) => {
  t.deepEqual(parseNeighbors(fixture("neighbors-established.json")), [
    {
      address: "192.168.6.1",
      localAs: 64514,
      peerAs: 64513,
      state: "established",
      uptimeSince: 1795672849,
      received: 1,
      accepted: 1,
      advertised: 0,
    },
  ]);
});

test("parseNeighbors: before the first connect (session_state 3 = active)", (t) => {
  t.deepEqual(parseNeighbors(fixture("neighbors-active.json")), [
    {
      address: "192.168.6.1",
      localAs: 64514,
      peerAs: 64513,
      state: "active",
      uptimeSince: null,
      received: 0,
      accepted: 0,
      advertised: 0,
    },
  ]);
});

test("parseNeighbors: after the peer died (idle): the stale uptime is not reported", (t) => {
  const raw = JSON.parse(fixture("neighbors-idle.json")) as { timers: { state: { uptime?: unknown } } }[];
  t.truthy(raw[0]?.timers.state.uptime, "the capture does carry an old uptime");
  t.like(parseNeighbors(fixture("neighbors-idle.json"))[0], {
    state: "idle",
    uptimeSince: null,
    received: 0,
  });
});

test("parseNeighbors: no neighbors, and odd input", (t) => {
  t.deepEqual(parseNeighbors(""), []);
  t.deepEqual(parseNeighbors("  \n"), []);
  t.deepEqual(parseNeighbors("null"), []);
  t.deepEqual(parseNeighbors("[]"), []);
  t.deepEqual(parseNeighbors('[{"state":{"session_state":42,"neighbor_address":"10.0.0.1"}}]'), [
    {
      address: "10.0.0.1",
      localAs: 0,
      peerAs: 0,
      state: "unknown",
      uptimeSince: null,
      received: 0,
      accepted: 0,
      advertised: 0,
    },
  ]);
  t.throws(() => parseNeighbors("{not json"), { instanceOf: SyntaxError });
});

test("parseNeighbors: counters add up over families", (t) => {
  const json = JSON.stringify([
    {
      conf: { neighbor_address: "192.168.0.1", local_asn: 64514, peer_asn: 64515 },
      state: { session_state: 6 },
      timers: { state: { uptime: { seconds: 100 } } },
      afi_safis: [
        { state: { received: 2, accepted: 1 } },
        { state: { received: 3, accepted: 3, advertised: 1 } },
        {},
      ],
    },
  ]);
  t.like(parseNeighbors(json)[0], { received: 5, accepted: 4, advertised: 1, uptimeSince: 100 });
});

// `gobgp neighbor <address> -j`: one object with the advertised count (ListPeer with
// enable_advertised), on both GoBGP series the lab runs.
for (const version of ["3.10", "3.36"])
  test(`parseNeighbors: one neighbor with its advertised count (gobgp ${version})`, (t) => {
    t.deepEqual(parseNeighbors(fixture(`neighbor-established-${version}.json`)), [
      {
        address: "10.99.0.1",
        localAs: 64514,
        peerAs: 64513,
        state: "established",
        uptimeSince: version === "3.10" ? 1796233408 : 1796233390,
        received: 1,
        accepted: 1,
        advertised: 2,
      },
    ]);
  });

test("parseNeighbors: one neighbor not yet connected has no counters (gobgp 3.36)", (t) => {
  t.like(parseNeighbors(fixture("neighbor-active-3.36.json"))[0], {
    address: "10.99.0.1",
    state: "active",
    uptimeSince: null,
    advertised: 0,
  });
});
