// The argv that gives one kubelet stand-in a listener inside every node's namespace.
import { existsSync } from "node:fs";
import test from "ava";
import { kubeletChain } from "../../../../lab/runtime/netns/daemons.ts";
import { loadLab } from "../../../../lab/topology/load.ts";

const lab = await loadLab();

test("one listen-fd step per node, in the node's namespace, on descriptors 3 upwards; the server last", (t) => {
  const argv = kubeletChain("xsite", lab.nodes, "xsite-inet", "/b/kubelet.mjs");
  const script = argv[5] as string;
  t.true(existsSync(script), script);
  const steps = lab.nodes.map((n, i) => [
    "ip",
    "netns",
    "exec",
    `xsite-${n.name}`,
    "perl",
    script,
    String(3 + i),
    n.address,
    "10250",
  ]);
  t.deepEqual(argv, [
    ...steps.flat(),
    ...["ip", "netns", "exec", "xsite-inet", "node", "/b/kubelet.mjs"],
    ...["--listen", "yuuko-k8s=3", "--listen", "sakamoto=4", "--listen", "nano=5"],
  ]);
});
