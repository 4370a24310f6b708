// The argv that gives one kubelet stand-in a listener inside every node's namespace.
import { existsSync } from "node:fs";
import test from "ava";
import { helpersArgv, kubeletChain } from "../../../../lab/runtime/netns/daemons.ts";
import { planNetns } from "../../../../lab/runtime/netns/plan.ts";
import { workPaths } from "../../../../lab/runtime/workdir.ts";
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

test("with a control plane: a heartbeat socket per node, the API's two sockets on the control-plane node", (t) => {
  const cp = { address: "192.168.6.80", gracePeriodMs: 15_000, tolerationMs: 300_000 };
  const argv = kubeletChain("xsite", lab.nodes, "xsite-inet", "/b/kubelet.mjs", cp);
  const sakamoto = argv.indexOf("xsite-sakamoto");
  // yuuko-k8s took 3 and 4; sakamoto's listener, heartbeat, then the API on 7 (tcp) and 8 (udp).
  t.deepEqual(argv.slice(sakamoto + 3, sakamoto + 15), [
    ...["5", "192.168.6.80", "10250", "6", "192.168.6.80", "udp:0"],
    ...["7", "192.168.6.80", "6443", "8", "192.168.6.80", "udp:6443"],
  ]);
  const server = argv.slice(argv.indexOf("/b/kubelet.mjs") + 1);
  t.true(server.join(" ").includes("--heartbeat yuuko-k8s=4:worker:yuuko-k8s-pod1,yuuko-k8s-pod2"));
  t.true(server.join(" ").includes("--api 7,8 --grace-ms 15000 --toleration-ms 300000"));
  t.deepEqual(server.slice(-2), ["--control-plane", "192.168.6.80"]);
});

test("the helpers process: the root's socket from its own namespace on 3, the kubelets' from 4", (t) => {
  const plan = planNetns(lab);
  const paths = workPaths("xsite");
  const argv = helpersArgv(
    { lab, plan, paths, bundles: { helpers: "/b/helpers.mjs", kubelet: "" } },
    lab.nodes,
  );
  t.deepEqual(argv.slice(0, 4), ["ip", "netns", "exec", "xsite-zt-root"]);
  t.deepEqual(argv.slice(6, 9), ["3", plan.relay.root.address, "udp:9993"]);
  t.deepEqual(argv.slice(9, 13), ["ip", "netns", "exec", `xsite-${lab.nodes[0]?.name}`]);
  t.is(argv[15], "4", "the first kubelet socket after the root's");
  const relay = argv.slice(argv.indexOf("--relay") + 1);
  t.deepEqual(relay.slice(relay.indexOf("--root-fd"), relay.indexOf("--root-fd") + 2), ["--root-fd", "3"]);
  t.true(argv.slice(0, argv.indexOf("/b/helpers.mjs")).join(" ").endsWith("ip netns exec xsite-inet node"));
});
