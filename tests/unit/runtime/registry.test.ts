// The runtime boundary from outside: the registry hands out kinds by name (an unknown name is a
// usage error naming the supported ones), each kind checks its own options, and a netns handle
// owns its lab's names: namespaces are `<lab>-<element>`, pods get the topology's CIDRs, and down
// of a lab that never ran finds nothing (the real netns down, pointed at an empty work dir).
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { DEFAULT_KIND, isKindName, KIND_NAMES, runtimeKind } from "../../../lab/runtime/registry.ts";
import { loadLab } from "../../../lab/topology/load.ts";
import { UsageError } from "../../../lab/util/errors.ts";

const seed = await loadLab();

test("the registry knows netns (the default) and clab, and nothing else", async (t) => {
  t.deepEqual(KIND_NAMES, ["netns", "clab"]);
  t.is(DEFAULT_KIND, "netns");
  t.is((await runtimeKind()).name, "netns");
  t.is((await runtimeKind("clab")).name, "clab");
  t.false(isKindName("docker"));
  t.false(isKindName("toString"), "names from Object.prototype are not kinds");
  const err = await t.throwsAsync(runtimeKind("vagrant"), { instanceOf: UsageError });
  t.is(err?.message, 'runtime "vagrant" is not supported');
  t.is((err as UsageError).hint, "supported runtimes are: netns, clab");
});

test("each kind checks its own options", async (t) => {
  const netns = await runtimeKind("netns");
  const clab = await runtimeKind("clab");
  t.notThrows(() => netns.checkOptions({}));
  t.throws(() => netns.checkOptions({ k8s: "kind" }), {
    instanceOf: UsageError,
    message: "--k8s: only the clab runtime runs Kubernetes",
  });
  t.notThrows(() => clab.checkOptions({ k8s: "k3d", "pod-image": "busybox:1.36" }));
  t.throws(() => clab.checkOptions({ k8s: "minikube" }), { message: '--k8s "minikube" is not supported' });
  t.deepEqual(Object.keys(clab.options), ["k8s", "pod-image"]);
  t.deepEqual(netns.requiredCommands.map((c) => c.cmd).slice(0, 3), ["ip", "ss", "bird"]);
  t.deepEqual(clab.requiredCommands, []);
});

test("a netns handle derives every name from its lab's name, and variants keep it", async (t) => {
  const netns = await runtimeKind("netns");
  const h = netns.open({ ...seed, name: "rgx" });
  t.is(h.kind, netns);
  t.deepEqual(await h.enter("router-home"), "rgx-router-home");
  t.deepEqual(await h.enter("yuuko-k8s-pod-1"), "rgx-yuuko-k8s-pod-1");
  t.is(await h.addressOf("router-mine"), "192.168.6.1");
  t.is(await h.addressOf("sakamoto"), "192.168.6.80");
  t.deepEqual(await h.podCidrs(), new Map(seed.nodes.map((n) => [n.name, [n.podCidr.text]])));
  t.regex(h.birdLogFile("router-home"), /\/rgx\/.*router-home/);
  t.deepEqual(h.extraExecTargets(), ["inet", "zt-root"]);
  const other = h.withLab({ ...seed, name: "rgx" });
  t.is(other.dir, h.dir);
  t.false(h.isUp());
  t.false(netns.labUp("rgx"));
});

test("netns down of a lab that never ran: nothing found, nothing touched", async (t) => {
  const workdir = mkdtempSync(join(tmpdir(), "xs-reg-"));
  const saved = process.env.LAB_WORKDIR;
  process.env.LAB_WORKDIR = workdir;
  t.teardown(() => {
    if (saved === undefined) delete process.env.LAB_WORKDIR;
    else process.env.LAB_WORKDIR = saved;
    rmSync(workdir, { recursive: true, force: true });
  });
  const h = (await runtimeKind("netns")).open({ ...seed, name: `rg${process.pid % 100000}` });
  const r = await h.down();
  t.deepEqual(r, {
    removed: { processes: 0, namespaces: 0 },
    found: false,
    summary: "0 processes stopped, 0 namespaces deleted",
  });
  t.deepEqual(readdirSync(workdir), []);
});
