// CiliumBGPNodeConfigOverride, applied as Cilium's operator builds a node's CiliumBGPNodeConfig:
// per node (metadata.name) and instance, routerID / localASN / localPort over the ClusterConfig's,
// a peer's localAddress as the session's source; what the netns runtime refuses.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import { overrideRefusals } from "../../../lab/cilium/node-override.ts";
import { formatDiagnostic } from "../../../lab/config/diagnostics.ts";
import { gobgpSpeakers } from "../../../lab/render/gobgp.ts";
import { loadLab } from "../../../lab/topology/load.ts";
import type { Lab } from "../../../lab/topology/model.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

const override = (node: string, instance: string, body: string) =>
  `apiVersion: cilium.io/v2\nkind: CiliumBGPNodeConfigOverride\nmetadata:\n  name: ${node}\nspec:\n  bgpInstances:\n    - name: ${instance}\n${body}`;

async function withOverride(text: string): Promise<{ lab: Lab; refusals: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), "override-"));
  cpSync(join(ROOT, "configs"), dir, { recursive: true });
  writeFileSync(join(dir, "k8s/cilium/override.yaml"), text);
  try {
    const lab = await loadLab(join(dir, "topology.yaml"));
    return {
      lab,
      refusals: overrideRefusals(lab).map((d) => formatDiagnostic(d).replaceAll(dir, "<configs>")),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const speaker = (lab: Lab, node: string) => {
  const n = lab.nodes.find((x) => x.name === node);
  return n ? gobgpSpeakers(n)[0]?.config : undefined;
};
type Config = {
  global: { config: Record<string, unknown> };
  neighbors: { transport: { config: Record<string, unknown> } }[];
};

test("routerID, localASN, localPort and a peer's localAddress reach that node's gobgpd only", async (t) => {
  const { lab, refusals } = await withOverride(
    override(
      "yuuko-k8s",
      "instance-64514",
      "      routerID: 10.9.9.9\n      localASN: 64600\n      localPort: 1790\n      peers:\n        - name: router-home\n          localAddress: 192.168.0.81\n",
    ),
  );
  t.deepEqual(refusals, []);
  const yuuko = speaker(lab, "yuuko-k8s") as Config;
  t.deepEqual(yuuko.global.config, { as: 64600, "router-id": "10.9.9.9", port: 1790 });
  t.is(yuuko.neighbors[0]?.transport.config["local-address"], "192.168.0.81");
  const nano = speaker(lab, "nano") as Config;
  t.deepEqual(nano.global.config, { as: 64514, "router-id": "192.168.6.81", port: -1 });
  t.false("local-address" in (nano.neighbors[0]?.transport.config ?? {}));
});

test("an override of another instance, or of a peer the instance does not have, changes nothing", async (t) => {
  const { lab } = await withOverride(
    override("yuuko-k8s", "other", "      routerID: 10.9.9.9\n") +
      "---\n" +
      override(
        "nano",
        "instance-64514",
        "      peers:\n        - name: nobody\n          localAddress: 192.168.6.81\n",
      ),
  );
  const seed = await loadLab();
  t.deepEqual(speaker(lab, "yuuko-k8s"), speaker(seed, "yuuko-k8s"));
  t.deepEqual(speaker(lab, "nano"), speaker(seed, "nano"));
});

test("a localAddress the lab's node does not have is refused at its file:line with the node's address", async (t) => {
  const { refusals } = await withOverride(
    override(
      "yuuko-k8s",
      "instance-64514",
      "      peers:\n        - name: router-home\n          localAddress: 192.168.0.99\n",
    ),
  );
  t.deepEqual(refusals, [
    '<configs>/k8s/cilium/override.yaml:10:25: spec.bgpInstances[0].peers[0].localAddress: CiliumBGPNodeConfigOverride/yuuko-k8s: spec.bgpInstances[0].peers[0].localAddress "192.168.0.99" is not an address of node yuuko-k8s, whose only address in the lab is 192.168.0.81: the netns runtime cannot open the session from it (use 192.168.0.81 or remove localAddress (the route toward the peer then picks it), or use --runtime clab)',
  ]);
});
