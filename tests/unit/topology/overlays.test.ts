// Overlays (a scenario variant, a node joining) run through the same passes as loading, so an
// overlaid Lab is the Lab that loading the changed config files gives; a bad overlay is refused
// the way a bad file is.
import test from "ava";
import { ValidationError } from "../../../lab/config/diagnostics.ts";
import { withNode, withVariant } from "../../../lab/topology/build.ts";
import { loadLab } from "../../../lab/topology/load.ts";
import type { Lab, NodeJoin } from "../../../lab/topology/model.ts";
import { copyConfigs, type Edit, loadCopy, REAL_CONFIGS } from "../../fixtures/lint/lab-copy.ts";

const seed = await loadLab();

/** The model without what only says where it was read from, with the copy's folder renamed to configs/. */
function model(lab: Lab, dir: string): unknown {
  const { sources: _sources, ...rest } = lab;
  const json = JSON.stringify(rest, (key, value) =>
    key === "positions" || key === "source" ? undefined : value,
  );
  return JSON.parse(json.split(dir.replace(/\/$/, "")).join(REAL_CONFIGS.replace(/\/$/, "")));
}

async function loadEdited(edits: Edit[]): Promise<{ lab: Lab; dir: string }> {
  const copy = copyConfigs(edits);
  try {
    return { lab: await loadCopy(copy), dir: copy.dir };
  } finally {
    copy.dispose();
  }
}

test("a variant gives the Lab that loading the changed bird.conf path and PeerConfig gives", async (t) => {
  const overlaid = withVariant(seed, {
    name: "bfd-gr",
    routers: { "router-mine": `${REAL_CONFIGS}routers/variants/bfd-short-timers/router-mine.conf` },
    peerConfig: { gracefulRestart: { enabled: true } },
  });
  const { lab, dir } = await loadEdited([
    {
      file: "topology.yaml",
      from: "bird: routers/router-mine/bird.conf",
      to: "bird: routers/variants/bfd-short-timers/router-mine.conf",
    },
    { file: "k8s/cilium/peer-config.yaml", from: "    enabled: false", to: "    enabled: true" },
  ]);
  t.deepEqual(model(overlaid, REAL_CONFIGS), model(lab, dir));
  t.true(overlaid.nodes.every((n) => n.bgp?.instances[0]?.peers[0]?.gracefulRestart.enabled === true));
  t.not(JSON.stringify(model(overlaid, REAL_CONFIGS)), JSON.stringify(model(seed, REAL_CONFIGS)));
  t.false(
    seed.nodes.some((n) => n.bgp?.instances[0]?.peers[0]?.gracefulRestart.enabled),
    "the seed is untouched",
  );
  // Positions come along: the PeerConfig's field still points at its line in the file.
  const pc = overlaid.cilium.find((m) => m.kind === "CiliumBGPPeerConfig");
  t.is(pc?.positions?.get("spec.gracefulRestart.enabled")?.line, 18);
});

test("an empty variant gives the seed's Lab", (t) => {
  t.deepEqual(
    model(withVariant(seed, { name: "seed", routers: {} }), REAL_CONFIGS),
    model(seed, REAL_CONFIGS),
  );
});

const MIO: NodeJoin = {
  name: "mio",
  site: "mine",
  address: "192.168.6.82",
  podCIDR: "10.42.2.0/24",
  labels: {},
  pods: 2,
};

test("a joining node gives the Lab that loading a topology with the node in it gives", async (t) => {
  const overlaid = withNode(seed, MIO);
  const { lab, dir } = await loadEdited([
    {
      file: "topology.yaml",
      from: "nodes:\n",
      to: "nodes:\n  - name: mio\n    site: mine\n    address: 192.168.6.82\n    podCIDR: 10.42.2.0/24\n    pods: 2\n",
    },
  ]);
  const byName = (l: Lab) => ({ ...(model(l, l === lab ? dir : REAL_CONFIGS) as Lab), nodes: [] });
  t.deepEqual(byName(overlaid), byName(lab));
  const mio = overlaid.nodes.find((n) => n.name === "mio");
  const loaded = lab.nodes.find((n) => n.name === "mio");
  t.deepEqual(
    model({ ...seed, nodes: [mio as never] }, REAL_CONFIGS),
    model({ ...seed, nodes: [loaded as never] }, REAL_CONFIGS),
  );
  t.deepEqual(
    mio?.pods.map((p) => p.address),
    ["10.42.2.10", "10.42.2.11"],
  );
  t.deepEqual(mio?.bgp?.instances[0]?.peers[0]?.families[0]?.advertised, ["10.42.2.0/24"]);
  t.is(seed.nodes.length, 3, "the seed is untouched");
});

function refused(t: import("ava").ExecutionContext, fn: () => unknown, message: RegExp): void {
  const err = t.throws(fn, { instanceOf: ValidationError });
  t.regex(err?.message ?? "", message);
}

test("a variant naming an unknown router is refused", (t) => {
  refused(
    t,
    () => withVariant(seed, { name: "x", routers: { "router-mien": "/etc/bird.conf" } }),
    /^1 problem found:\n\(scenario\):0:0: variants\.x\.routers: unknown router "router-mien" \(did you mean "router-mine"\?\)$/,
  );
});

test("a node at an unknown site is refused", (t) => {
  refused(
    t,
    () => withNode(seed, { ...MIO, site: "moon" }),
    /\(scenario\):0:0: nodes\[3\]\.site: unknown site "moon"/,
  );
});

test("a node with a name already used is refused", (t) => {
  refused(t, () => withNode(seed, { ...MIO, name: "nano" }), /nodes\[3\]\.name: duplicate name "nano"/);
});

test("a node whose pod CIDR overlaps another node's is refused, where the scenario says", (t) => {
  const where = { file: "/cfg/scenarios/join.yaml", line: 12, col: 7 };
  const err = t.throws(() => withNode(seed, { ...MIO, podCIDR: "10.42.1.0/24" }, where), {
    instanceOf: ValidationError,
  });
  t.regex(
    err?.message ?? "",
    /\/cfg\/scenarios\/join\.yaml:12:7: nodes\[3\]\.podCIDR: 10\.42\.1\.0\/24 overlaps the pod CIDR of node "nano"/,
  );
});
