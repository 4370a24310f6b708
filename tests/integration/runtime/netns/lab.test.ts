// The seed architecture really running: up, the seed's verification steps, the ZeroTier link
// cut and impaired, idempotent up, and a down that leaves nothing behind.
import { existsSync } from "node:fs";
import test from "ava";
import { relayRequest } from "../../../../lab/emulate/zerotier/control.ts";
import { fibRoutes, httpGet, ping } from "../../../../lab/observe/probes.ts";
import type { UpResult } from "../../../../lab/runtime/kind.ts";
import { Journal } from "../../../../lab/runtime/netns/journal.ts";
import { netnsKind } from "../../../../lab/runtime/netns/kind.ts";
import { nsName, planNetns } from "../../../../lab/runtime/netns/plan.ts";
import { workPaths } from "../../../../lab/runtime/workdir.ts";
import type { Lab } from "../../../../lab/topology/model.ts";
import { run } from "../../../../lab/util/exec.ts";
import { listNetns } from "../../../../lab/util/netns.ts";
import { isAlive } from "../../../../lab/util/processes.ts";
import { useSeedLab } from "../../../helpers/lab-fixture.ts";
import { integrationTests, netnsUnavailable } from "../../../helpers/root.ts";

const why = netnsUnavailable();
const t = integrationTests("netns-lab", why);

const NAME = "itlab";
const seed = useSeedLab(NAME, why);
let lab: Lab;
let first: UpResult;
const ns = (what: string) => nsName(NAME, what);

test.before(async () => {
  if (why) return;
  lab = await seed.ready;
  first = await netnsKind.open(lab).up({ budgetMs: 90_000 });
});

t("up converges and reports its timings", (tt) => {
  tt.false(first.alreadyUp);
  const timings = first.timings;
  tt.truthy(timings);
  tt.true((timings?.infraReadyMs ?? 0) < (timings?.convergedMs ?? 0));
  tt.deepEqual(Object.keys(timings?.checks ?? {}), ["sessions", "routes", "ping", "kubelet"]);
});

t("seed check 1: Router-Mine routes yuuko's pod CIDR via Router-Home's ZeroTier address", async (tt) => {
  const routes = await fibRoutes(ns("router-mine"));
  const r = routes.find((x) => x.dst === "10.42.3.0/24");
  tt.is(r?.gateway, "192.168.191.10");
  tt.is(r?.dev, "zt0");
});

t("seed check 2: Router-Home routes every mine pod CIDR via Router-Mine's ZeroTier address", async (tt) => {
  const routes = await fibRoutes(ns("router-home"));
  for (const node of lab.nodes.filter((n) => n.site === "mine")) {
    tt.is(routes.find((x) => x.dst === node.podCidr.text)?.gateway, "192.168.191.12", node.name);
  }
});

t("seed check 3: a mine pod pings a pod on yuuko-k8s with no loss", async (tt) => {
  const target = lab.nodes.find((n) => n.name === "yuuko-k8s")?.pods[0]?.address as string;
  const r = await ping(ns("sakamoto-pod1"), target, { count: 5, intervalS: 0.1 });
  tt.is(r.received, 5, r.output);
});

t("seed check 4: the control plane reaches yuuko-k8s:10250 across the sites", async (tt) => {
  const r = await httpGet(ns("sakamoto"), "192.168.0.81", 10250, "/stats/summary");
  tt.true(r.ok, r.error);
  tt.regex(r.body, /"nodeName":"yuuko-k8s"/);
});

t("a 1500-byte do-not-fragment packet crosses the sites (pod MTU 1500 under ZeroTier 2800)", async (tt) => {
  const target = lab.nodes.find((n) => n.name === "yuuko-k8s")?.pods[0]?.address as string;
  const r = await ping(ns("nano-pod1"), target, { count: 2, intervalS: 0.2, size: 1472, dontFragment: true });
  tt.is(r.received, 2, r.output);
});

t("link zt down blackholes pod traffic while zt0 stays up; link zt up heals it", async (tt) => {
  const sock = workPaths(NAME).relaySocket;
  const target = lab.nodes.find((n) => n.name === "yuuko-k8s")?.pods[0]?.address as string;
  await relayRequest(sock, { op: "down" });
  try {
    const cut = await ping(ns("sakamoto-pod1"), target, { count: 3, intervalS: 0.2 });
    tt.is(cut.received, 0, cut.output);
    const link = JSON.parse(
      (await run(["ip", "-j", "link", "show", "zt0"], { netns: ns("router-mine") })).stdout,
    ) as { flags: string[] }[];
    tt.true(link[0]?.flags.includes("UP"), "the VXLAN device stays administratively up, as ZeroTier's does");
    const status = (await relayRequest(sock, { op: "show" })).status;
    const dropped = status.directions.reduce((a, d) => a + d.counters.dropped.partition, 0);
    tt.true(dropped > 0, "the relay counts the partition drops");
  } finally {
    await relayRequest(sock, { op: "up" });
  }
  const healed = await ping(ns("sakamoto-pod1"), target, { count: 3, intervalS: 0.2 });
  tt.is(healed.received, 3, healed.output);
});

t("relay delay shows in the pod round-trip time", async (tt) => {
  const sock = workPaths(NAME).relaySocket;
  const target = lab.nodes.find((n) => n.name === "yuuko-k8s")?.pods[0]?.address as string;
  const before = await ping(ns("sakamoto-pod1"), target, { count: 3, intervalS: 0.2 });
  await relayRequest(sock, { op: "set", direction: "both", impairment: { delayMs: 40 } });
  try {
    const after = await ping(ns("sakamoto-pod1"), target, { count: 3, intervalS: 0.2 });
    tt.truthy(after.rttAvgMs);
    tt.true((after.rttAvgMs ?? 0) >= 80, `rtt ${after.rttAvgMs} ms with 40 ms each way`);
    tt.true(
      (after.rttAvgMs ?? 0) < 80 + 40,
      `rtt ${after.rttAvgMs} ms: the relay adds little beyond the delay`,
    );
    // Without impairment the round trip is the topology's WAN path (configs/topology.yaml).
    const pathRtt = lab.zerotier.paths[0]?.rttMs ?? 0;
    tt.true((before.rttAvgMs ?? 99) < pathRtt + 10, `baseline rtt ${before.rttAvgMs} ms, path ${pathRtt} ms`);
  } finally {
    await relayRequest(sock, { op: "reset" });
  }
});

t("one kubelet process, each node's listener inside the node's own namespace", async (tt) => {
  for (const n of lab.nodes) {
    const ss = await run(["ss", "-Hltn", "sport", "=", ":10250"], { netns: ns(n.name) });
    tt.regex(ss.stdout, new RegExp(`${n.address.replace(/\./g, "\\.")}:10250`), n.name);
    tt.is(ss.stdout.trim().split("\n").length, 1, `${n.name}: only its own listener`);
  }
  const inInet = await run(["ss", "-Hltn", "sport", "=", ":10250"], { netns: ns("inet") });
  tt.is(inInet.stdout.trim(), "", "the server's own namespace has no kubelet listener");
  const cp = ns("sakamoto");
  for (const n of lab.nodes) {
    const r = await httpGet(cp, n.address, 10250, "/stats/summary");
    tt.true(r.ok && r.body.includes(`"nodeName":"${n.name}"`), `${n.name}: ${r.error ?? r.body}`);
  }
});

t("up on a running, converged lab reports it instead of duplicating it", async (tt) => {
  const again = await netnsKind.open(lab).up({ budgetMs: 30_000 });
  tt.true(again.alreadyUp);
  tt.is((await listNetns()).filter((n) => n.startsWith(`${NAME}-`)).length, planNetns(lab).namespaces.length);
});

t("down removes every namespace, process and file it created, and is idempotent", async (tt) => {
  const paths = workPaths(NAME);
  const procs = new Journal(paths.journal).entries().flatMap((e) => (e.kind === "process" ? [e] : []));
  tt.true(procs.length >= 2 + 1 + lab.nodes.length + 1, "relay, BIRDs, gobgpd and kubelets were journaled");
  // One kubelet stand-in process serves every node (a Node.js process per node was ~45 MiB each).
  tt.deepEqual(
    procs.filter((p) => p.name.startsWith("kubelet")).map((p) => [p.name, p.ns]),
    [["kubelets", `${NAME}-inet`]],
  );
  await seed.down();
  tt.deepEqual(
    (await listNetns()).filter((n) => n.startsWith(`${NAME}-`)),
    [],
  );
  for (const p of procs) tt.false(isAlive(p.pid, p.startTime), `${p.name} (pid ${p.pid}) still alive`);
  tt.false(existsSync(paths.root));
  const second = await seed.down();
  tt.deepEqual(second, { processes: 0, namespaces: 0 });
});
