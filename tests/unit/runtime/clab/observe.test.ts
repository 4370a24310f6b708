// How the clab runtime reads state and runs tools: the ExternalTools implementation against real
// commands, the parsers against real iproute2/iputils output produced on this machine, the
// expected routes against the netns runtime's, element -> container names, and the rendered
// files in the lab's work dir. Inputs that only a running cluster could produce (kubectl and
// cilium JSON) are built from the upstream API definitions and say so.
import { execFileSync } from "node:child_process";
import { dirname, resolve } from "node:path";
import test from "ava";
import yaml from "js-yaml";
import { ContainerControl } from "../../../../lab/docker/containers.ts";
import { connectEngine } from "../../../../lab/docker/engine.ts";
import {
  expectedRoutes,
  expectedRoutesAllocated as expectedRoutesWith,
} from "../../../../lab/observe/convergence.ts";
import { BIRD_CONF_IN_CONTAINER, type ClabTopology } from "../../../../lab/render/clab.ts";
import { clabArtifacts } from "../../../../lab/runtime/clab/context.ts";
import { ClabControl } from "../../../../lab/runtime/clab/control.ts";

import {
  parseCiliumPeers,
  parseIpRouteJson,
  parseNodes,
  parsePingSummary,
  parsePods,
  parseRouteGet,
} from "../../../../lab/runtime/clab/observe.ts";
import { clabPaths, TEST_PODS_PATH } from "../../../../lab/runtime/clab/paths.ts";
import { HostTools, ToolError } from "../../../../lab/runtime/clab/tools.ts";
import { LAB_NAME } from "../../../../lab/topology/elements.ts";
import { loadLab } from "../../../../lab/topology/load.ts";
import { LabError } from "../../../../lab/util/errors.ts";

const lab = await loadLab();
const tools = new HostTools();

test("HostTools: argv without a shell, stdout and stderr captured, exit code kept", async (t) => {
  const r = await tools.run({
    argv: ["sh", "-c", 'echo "$1"; echo oops >&2; exit 3', "sh", "a;b $x"],
    allowFailure: true,
  });
  t.deepEqual(r, { code: 3, stdout: "a;b $x\n", stderr: "oops\n" });
  const err = await t.throwsAsync(tools.run({ argv: ["sh", "-c", "echo bad thing >&2; exit 4"] }), {
    instanceOf: ToolError,
  });
  t.is(err?.exitCode, 4);
  t.regex(err?.message ?? "", /sh -c .* exited with 4: bad thing/);
});

test("HostTools: a command that outlives its timeout is killed and says so", async (t) => {
  // An hour-long sleep: only the timeout can end it before ava's own timeout does.
  const err = await t.throwsAsync(tools.run({ argv: ["sleep", "3600"], timeoutMs: 300 }), {
    instanceOf: ToolError,
  });
  t.is(err?.timedOutAfterMs, 300);
  t.regex(err?.message ?? "", /timed out after 300 ms/);
});

test("HostTools: an abort stops the running command at once", async (t) => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(new Error("interrupted by SIGINT")), 100);
  await t.throwsAsync(tools.run({ argv: ["sleep", "3600"], signal: controller.signal }), {
    message: "interrupted by SIGINT",
  });
});

test("HostTools: a missing command is a ToolError, env is added to the caller's", async (t) => {
  const err = await t.throwsAsync(tools.run({ argv: ["no-such-tool-xsite"] }), { instanceOf: ToolError });
  t.is(err?.exitCode, null);
  const r = await tools.run({
    argv: ["sh", "-c", 'echo "$KUBECONFIG"; test -n "$PATH" && echo path'],
    env: { KUBECONFIG: "/k" },
  });
  t.is(r.stdout, "/k\npath\n");
  t.truthy(tools.which("sh"));
  t.is(tools.which("no-such-tool-xsite"), undefined);
});

test("ip -j -4 route show, as this machine prints it", (t) => {
  const json = execFileSync("ip", ["-j", "-4", "route", "show"], { encoding: "utf8" });
  const text = execFileSync("ip", ["-4", "route", "show"], { encoding: "utf8" });
  const routes = parseIpRouteJson(json);
  t.is(routes.length, text.split("\n").filter((l) => l.trim()).length);
  for (const r of routes) t.regex(r.dst, /^\d+\.\d+\.\d+\.\d+\/\d+$/);
  if (/^default /m.test(text)) t.truthy(routes.find((r) => r.dst === "0.0.0.0/0"));
  t.deepEqual(parseIpRouteJson(""), []);
});

test("ip route get (text form), as this machine prints it, agrees with its JSON form", (t) => {
  for (const target of ["127.0.0.1", "203.0.113.7"]) {
    let text: string;
    let json: { gateway?: string; dev?: string }[];
    try {
      text = execFileSync("ip", ["route", "get", target], { encoding: "utf8" });
      json = JSON.parse(execFileSync("ip", ["-j", "route", "get", target], { encoding: "utf8" }));
    } catch {
      continue; // no route to a documentation address here
    }
    const got = parseRouteGet(text);
    t.is(got.gateway, json[0]?.gateway, target);
    t.is(got.dev, json[0]?.dev, target);
  }
});

test("ping summary, as iputils prints it here", (t) => {
  const out = execFileSync("ping", ["-n", "-c", "2", "-i", "0.2", "-W", "1", "127.0.0.1"], {
    encoding: "utf8",
  });
  t.deepEqual(parsePingSummary(out), { sent: 2, received: 2 });
  t.is(parsePingSummary("ping: unknown host"), undefined);
});

test("with the topology's own pod CIDRs, the expected routes are the netns runtime's", (t) => {
  const topo = new Map(lab.nodes.map((n) => [n.name, [n.podCidr.text]]));
  t.deepEqual(expectedRoutesWith(lab, topo), expectedRoutes(lab));
});

test("expected routes follow the pod CIDRs the cluster really allocated", (t) => {
  const alloc = new Map([
    ["sakamoto", ["10.42.0.0/24"]],
    ["yuuko-k8s", ["10.42.1.0/24"]],
    ["nano", ["10.42.2.0/24"]],
  ]);
  const routes = expectedRoutesWith(lab, alloc);
  t.deepEqual(
    routes.filter((r) => r.router === "router-mine").map((r) => `${r.prefix} via ${r.via}`),
    ["10.42.1.0/24 via 192.168.191.10", "10.42.0.0/24 via 192.168.6.80", "10.42.2.0/24 via 192.168.6.81"],
  );
  t.deepEqual(
    routes.filter((r) => r.router === "router-home").map((r) => `${r.prefix} via ${r.via}`),
    ["10.42.1.0/24 via 192.168.0.81", "10.42.0.0/24 via 192.168.191.12", "10.42.2.0/24 via 192.168.191.12"],
  );
  t.deepEqual(expectedRoutesWith(lab, new Map()), []);
});

test("kubectl get -o json (API-shaped input built from the v1 Node and Pod types)", (t) => {
  const nodes = parseNodes(
    JSON.stringify({
      apiVersion: "v1",
      kind: "List",
      items: [
        {
          metadata: { name: "xsite-worker", labels: { "node-type": "remote" } },
          spec: { podCIDR: "10.42.1.0/24", podCIDRs: ["10.42.1.0/24"] },
          status: {
            addresses: [
              { type: "InternalIP", address: "192.168.0.81" },
              { type: "Hostname", address: "xsite-worker" },
            ],
            conditions: [{ type: "Ready", status: "False" }],
          },
        },
      ],
    }),
  );
  t.deepEqual(nodes, [
    {
      name: "xsite-worker",
      podCidrs: ["10.42.1.0/24"],
      internalIps: ["192.168.0.81"],
      ready: false,
      labels: { "node-type": "remote" },
    },
  ]);
  const pods = parsePods(
    JSON.stringify({
      items: [
        {
          metadata: { name: "nano-pod1" },
          spec: { nodeName: "xsite-worker2" },
          status: { phase: "Pending" },
        },
      ],
    }),
  );
  t.deepEqual(pods, [{ name: "nano-pod1", node: "xsite-worker2", ip: undefined, phase: "Pending" }]);
});

test("cilium bgp peers -o json (input built from cilium's BgpPeer model field names)", (t) => {
  const peers = parseCiliumPeers(
    JSON.stringify({
      "xsite-worker": [
        {
          "local-asn": 64514,
          "peer-asn": 64515,
          "peer-address": "192.168.0.1",
          "session-state": "established",
        },
      ],
      "xsite-worker2": null,
    }),
  );
  t.deepEqual(peers, [
    {
      node: "xsite-worker",
      localAsn: 64514,
      peerAsn: 64515,
      peerAddress: "192.168.0.1",
      state: "established",
    },
  ]);
});

test("elements map to the containers containerlab, kind and k3d create", (t) => {
  const containers = new ContainerControl(connectEngine());
  const kind = new ClabControl(lab, "kind", "xsite", containers);
  t.is(kind.containerOf("router-home"), "clab-xsite-router-home");
  t.is(kind.containerOf("lan-mine"), "clab-xsite-lan-mine");
  t.is(kind.containerOf("sakamoto"), "xsite-control-plane");
  t.is(kind.containerOf("nano"), "xsite-worker2");
  const k3d = new ClabControl(lab, "k3d", "xsite", containers);
  t.is(k3d.containerOf("yuuko-k8s"), "k3d-xsite-agent-0");
  const err = t.throws(() => kind.containerOf("router-away"), { instanceOf: LabError });
  t.regex(err?.hint ?? "", /router-home, router-mine, lan-home, lan-mine, .*sakamoto/);
});

test("the work dir: kind topology waits 0 s for Ready, binds reach the real bird.conf, test pods included", (t) => {
  const paths = clabPaths(lab.name, "/srv/labs");
  t.is(paths.root, "/srv/labs/clab-xsite");
  t.false(LAB_NAME.test("clab-xsite"), "doctor never mistakes it for a netns lab's work dir");
  for (const k8s of ["kind", "k3d"] as const) {
    const artifacts = clabArtifacts(lab, paths, k8s);
    t.is(artifacts.filter((a) => a.path.endsWith(".clab.yml")).length, 1);
    t.truthy(artifacts.find((a) => a.path === TEST_PODS_PATH));
    const topo = yaml.load(
      artifacts.find((a) => a.path.endsWith(".clab.yml"))?.content ?? "",
    ) as ClabTopology;
    const clusterNode = topo.topology.nodes.xsite as { extras?: unknown } | undefined;
    if (k8s === "kind") t.deepEqual(clusterNode?.extras, { k8s_kind: { deploy: { wait: "0s" } } });
    else t.is(clusterNode, undefined);
    for (const r of lab.routers) {
      const bind = (topo.topology.nodes[r.name]?.binds as string[] | undefined)?.[0] ?? "";
      const source = bind.slice(0, bind.indexOf(`:${BIRD_CONF_IN_CONTAINER}`));
      t.is(
        resolve(dirname(paths.clabTopology), source),
        r.birdConf,
        `${r.name} bind resolves from the topology file`,
      );
    }
  }
});
