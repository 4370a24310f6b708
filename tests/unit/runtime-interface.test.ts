// The Runtime interface: both runtimes implement it (checked by the compiler here), the registry
// hands out the right one, and the netns adapter's down works on a lab that does not exist
// (the real netnsDown, pointed at an empty work dir: nothing to remove, nothing touched).
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { CLAB_CONVERGENCE_CHECKS } from "../../lab/runtime/clab/converge.ts";
import { ClabRuntime } from "../../lab/runtime/clab/runtime.ts";
import { netnsChecks } from "../../lab/runtime/netns/converge.ts";
import { NetnsRuntime } from "../../lab/runtime/netns/runtime.ts";
import {
  type ConvergenceReader,
  canReadConvergence,
  canReportStatus,
  isK8sDistribution,
  isRuntimeName,
  RUNTIME_NAMES,
  type Runtime,
  type StatusReporter,
  selectRuntime,
} from "../../lab/runtime/runtime.ts";
import { workPaths } from "../../lab/runtime/workdir.ts";
import { loadLab } from "../../lab/topology/load.ts";

// Compile-time: the adapters satisfy the interface and its capabilities.
const netns: Runtime & ConvergenceReader & StatusReporter = new NetnsRuntime();
const clab: Runtime & ConvergenceReader & StatusReporter = new ClabRuntime({ k8s: "k3d" });

test("the netns adapter satisfies Runtime and its capabilities", (t) => {
  t.is(netns.name, "netns");
  t.true(canReadConvergence(netns));
  t.true(canReportStatus(netns));
  t.is(typeof netns.up, "function");
  t.is(typeof netns.down, "function");
});

test("the clab runtime satisfies Runtime and keeps its options", (t) => {
  t.is(clab.name, "clab");
  t.true(canReadConvergence(clab));
  t.is((clab as ClabRuntime).k8s, "k3d");
});

test("the registry selects by name", async (t) => {
  t.deepEqual([...RUNTIME_NAMES], ["netns", "clab"]);
  t.true((await selectRuntime("netns")) instanceof NetnsRuntime);
  const c = await selectRuntime("clab", { k8s: "kind", podImage: "busybox:1.36" });
  t.true(c instanceof ClabRuntime);
  t.deepEqual((c as ClabRuntime).options, { k8s: "kind", podImage: "busybox:1.36" });
  t.true(isRuntimeName("clab"));
  t.false(isRuntimeName("docker"));
  t.true(isK8sDistribution("k3d"));
  t.false(isK8sDistribution("minikube"));
});

test("a capability check is false for a runtime without it", (t) => {
  const minimal: Runtime = {
    name: "netns",
    up: async () => ({ alreadyUp: true }),
    down: async () => ({ removed: {}, found: false, summary: "" }),
  };
  t.false(canReadConvergence(minimal));
  t.false(canReportStatus(minimal));
});

test("netns adapter down of a lab that never ran: the real netnsDown finds nothing", async (t) => {
  const workdir = mkdtempSync(join(tmpdir(), "xs-rt-"));
  const saved = process.env.LAB_WORKDIR;
  process.env.LAB_WORKDIR = workdir;
  t.teardown(() => {
    if (saved === undefined) delete process.env.LAB_WORKDIR;
    else process.env.LAB_WORKDIR = saved;
    rmSync(workdir, { recursive: true, force: true });
  });
  const lab = { ...(await loadLab()), name: `rt${process.pid % 100000}` };
  const r = await netns.down(lab);
  t.deepEqual(r, {
    removed: { processes: 0, namespaces: 0 },
    found: false,
    summary: "0 processes stopped, 0 namespaces deleted",
  });
  t.deepEqual(readdirSync(workdir), []);
});

test("both runtimes wait for the same checks, in the same order", async (t) => {
  const lab = await loadLab();
  t.deepEqual(
    CLAB_CONVERGENCE_CHECKS.map((c) => c.name),
    netnsChecks(lab, workPaths(lab.name)).map((c) => c.name),
  );
  t.deepEqual(
    CLAB_CONVERGENCE_CHECKS.map((c) => c.title),
    [
      "BGP sessions Established",
      "pod CIDRs in router FIBs",
      "cross-site pod ping",
      "control plane reaches remote kubelets",
    ],
  );
});
