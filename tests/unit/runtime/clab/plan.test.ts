// The clab runtime's external command sequence. containerlab, kind, k3d, helm, cilium and
// kubectl cannot run on the machines these unit tests run on, so the executor is driven with a
// RECORDING FAKE of ExternalTools: it records the argv the real sequence would run and answers
// with empty output. Nothing here claims the commands succeed for real; the nightly workflow
// (clab-nightly.yml) runs them against the real tools.
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { clusterMembers } from "../../../../lab/render/k8s-cluster.ts";
import { clabPaths } from "../../../../lab/runtime/clab/paths.ts";
import {
  executePhases,
  manifestCrds,
  manifestFiles,
  type Phase,
  type PlanContext,
  planDown,
  planUp,
} from "../../../../lab/runtime/clab/plan.ts";
import {
  type ExternalTools,
  type ToolCall,
  ToolError,
  type ToolOutput,
} from "../../../../lab/runtime/clab/tools.ts";
import { CILIUM_VERSION } from "../../../../lab/runtime/clab/versions.ts";
import { loadLab } from "../../../../lab/topology/load.ts";
import type { ProgressEvent } from "../../../../lab/util/progress.ts";

const lab = await loadLab();

/** Records every call; answers from `answer` (default: exit 0, no output). Not the real tools. */
class RecordingTools implements ExternalTools {
  readonly calls: ToolCall[] = [];
  constructor(private readonly answer: (call: ToolCall, n: number) => ToolOutput = () => ok("")) {}
  which(): string | undefined {
    return undefined;
  }
  async run(call: ToolCall): Promise<ToolOutput> {
    this.calls.push(call);
    const out = this.answer(call, this.calls.length);
    if (out.code !== 0 && !call.allowFailure)
      throw new ToolError(call.argv, out.code, out.stdout, out.stderr);
    return out;
  }
}

const ok = (stdout: string): ToolOutput => ({ code: 0, stdout, stderr: "" });

function tempPaths(t: { teardown(fn: () => void): void }) {
  const root = mkdtempSync(join(tmpdir(), "xs-clab-"));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  return clabPaths(lab.name, root);
}

function ctx(paths: ReturnType<typeof clabPaths>, over: Partial<PlanContext> = {}): PlanContext {
  return { lab, paths, k8s: "kind", cluster: lab.name, ciliumInstaller: "helm", ...over };
}

const argvs = (phases: Phase[]) => phases.flatMap((p) => p.steps.map((s) => s.call.argv));
const index = (list: string[][], pred: (a: string[]) => boolean) => list.findIndex(pred);

test("kind + helm: the exact command sequence the runtime would run", (t) => {
  const paths = clabPaths(lab.name, "/w");
  const kc = paths.kubeconfig;
  const kubectl = (...a: string[]) => ["kubectl", "--kubeconfig", kc, ...a];
  const expected: string[][] = [
    ["containerlab", "deploy", "-t", "/w/clab-xsite/rendered/clab/xsite.clab.yml", "--reconfigure"],
    ["kind", "get", "kubeconfig", "--name", "xsite"],
    ...(
      [
        ["xsite-control-plane", "10.42.0.0/24"],
        ["xsite-worker", "10.42.3.0/24"],
        ["xsite-worker2", "10.42.1.0/24"],
      ] as const
    ).map(([node, cidr]) =>
      kubectl(
        "patch",
        "node",
        node,
        "--type",
        "merge",
        "--patch",
        `{"spec":{"podCIDR":"${cidr}","podCIDRs":["${cidr}"]}}`,
      ),
    ),
    kubectl("label", "node", "xsite-control-plane", "xsite.lab/node=sakamoto", "--overwrite"),
    kubectl("label", "node", "xsite-worker", "xsite.lab/node=yuuko-k8s", "node-type=remote", "--overwrite"),
    kubectl("label", "node", "xsite-worker2", "xsite.lab/node=nano", "--overwrite"),
    ["helm", "repo", "add", "cilium", "https://helm.cilium.io", "--force-update"],
    [
      "helm",
      "upgrade",
      "--install",
      "cilium",
      "cilium/cilium",
      "--version",
      CILIUM_VERSION,
      "--namespace",
      "kube-system",
      "--values",
      `${lab.configDir}/k8s/cilium/values.yaml`,
      "--kubeconfig",
      kc,
      "--wait",
      "--timeout",
      "10m",
    ],
    kubectl(
      "wait",
      "--for=condition=Established",
      "--timeout=30s",
      "crd/ciliumbgpadvertisements.cilium.io",
      "crd/ciliumbgpclusterconfigs.cilium.io",
      "crd/ciliumbgppeerconfigs.cilium.io",
    ),
    kubectl("apply", "-f", `${lab.configDir}/k8s/cilium/advertisement.yaml`),
    kubectl("apply", "-f", `${lab.configDir}/k8s/cilium/networks.yaml`),
    kubectl("apply", "-f", `${lab.configDir}/k8s/cilium/peer-config.yaml`),
    kubectl("apply", "-f", "/w/clab-xsite/rendered/k8s/test-pods.yaml"),
    kubectl("wait", "--for=condition=Ready", "pod", "--all", "--namespace", "xsite-probes", "--timeout=300s"),
  ];
  t.deepEqual(argvs(planUp(ctx(paths))), expected);
});

test("each node gets the topology's pod CIDR after it registers, before Cilium is installed", async (t) => {
  for (const k8s of ["kind", "k3d"] as const) {
    const paths = clabPaths(lab.name, "/w");
    const phases = planUp(ctx(paths, { k8s }));
    const list = argvs(phases);
    const patches = list.filter((a) => a[3] === "patch");
    t.deepEqual(
      patches.map((a) => [a[5], JSON.parse(a[9] ?? "{}").spec.podCIDRs]),
      clusterMembers(lab, k8s, "xsite").map((m) => [m.container, [m.node.podCidr.text]]),
    );
    const yuuko = clusterMembers(lab, k8s, "xsite").find((m) => m.node.name === "yuuko-k8s");
    t.is(
      patches.find((a) => a[5] === yuuko?.container)?.[9],
      '{"spec":{"podCIDR":"10.42.3.0/24","podCIDRs":["10.42.3.0/24"]}}',
    );
    const lastPatch = Math.max(...patches.map((p) => list.indexOf(p)));
    const firstCilium = index(list, (a) => a[0] === "helm" || a[0] === "cilium");
    const kubeconfig = index(list, (a) => a.includes("kubeconfig") && a[0] !== "kubectl" && a[0] !== "helm");
    t.true(kubeconfig < list.indexOf(patches[0] as string[]) && lastPatch < firstCilium, `order for ${k8s}`);
    // A node registers asynchronously: each patch is retried within a budget.
    const steps = phases.flatMap((p) => p.steps).filter((s) => s.call.argv[3] === "patch");
    t.true(steps.every((s) => s.kind === "retry" && s.budgetMs >= 60_000));
  }
  // The executor retries a patch until the node exists, then goes on (recording fake).
  const paths = clabPaths(lab.name, "/w");
  const phase = planUp(ctx(paths)).find((p) => p.name.includes("pod CIDR")) as Phase;
  let refusals = 0;
  const tools = new RecordingTools((call) => {
    if (call.argv[5] === "xsite-worker" && refusals < 2) {
      refusals++;
      return { code: 1, stdout: "", stderr: 'Error from server (NotFound): nodes "xsite-worker" not found' };
    }
    return ok("");
  });
  await executePhases(
    [{ ...phase, steps: phase.steps.map((s) => (s.kind === "retry" ? { ...s, intervalMs: 1 } : s)) }],
    tools,
  );
  t.is(refusals, 2);
  t.is(tools.calls.filter((c) => c.argv[5] === "xsite-worker").length, 3);
});

test("k3d: the cluster is created before containerlab deploy and deleted after destroy", (t) => {
  const paths = clabPaths(lab.name, "/w");
  const up = argvs(planUp(ctx(paths, { k8s: "k3d" })));
  t.deepEqual(up[0], [
    "k3d",
    "cluster",
    "create",
    "--config",
    "/w/clab-xsite/rendered/clab/xsite.k3d.yaml",
    "--kubeconfig-update-default=false",
    "--kubeconfig-switch-context=false",
  ]);
  t.deepEqual(up[1]?.slice(0, 2), ["containerlab", "deploy"]);
  t.deepEqual(up[2], ["k3d", "kubeconfig", "get", "xsite"]);
  const labelled = up.filter((a) => a.includes("label")).map((a) => a[5]);
  t.deepEqual(
    labelled,
    clusterMembers(lab, "k3d", "xsite").map((m) => m.container),
  );
  t.deepEqual(argvs(planDown({ paths, k8s: "k3d", cluster: "xsite" })), [
    ["containerlab", "destroy", "-t", "/w/clab-xsite/rendered/clab/xsite.clab.yml", "--cleanup"],
    ["k3d", "cluster", "delete", "xsite"],
  ]);
  t.deepEqual(argvs(planDown({ paths, k8s: "kind", cluster: "xsite" })), [
    ["containerlab", "destroy", "-t", "/w/clab-xsite/rendered/clab/xsite.clab.yml", "--cleanup"],
  ]);
});

test("without helm, Cilium is installed with the cilium CLI and the same values", (t) => {
  const paths = clabPaths(lab.name, "/w");
  const phases = planUp(ctx(paths, { ciliumInstaller: "cilium" }));
  const install = phases.find((p) => p.name.startsWith("install Cilium"));
  const steps = install?.steps.map((s) => s.call) ?? [];
  t.deepEqual(steps[0]?.argv, [
    "cilium",
    "install",
    "--version",
    CILIUM_VERSION,
    "--namespace",
    "kube-system",
    "--values",
    `${lab.configDir}/k8s/cilium/values.yaml`,
  ]);
  t.deepEqual(steps[0]?.env, { KUBECONFIG: paths.kubeconfig });
  t.deepEqual(steps[1]?.argv, ["cilium", "status", "--wait", "--wait-duration", "10m"]);
  t.false(argvs(phases).some((a) => a[0] === "helm"));
});

test("every call has a timeout, every kubectl names the lab's kubeconfig, values.yaml is never applied", (t) => {
  for (const k8s of ["kind", "k3d"] as const) {
    const paths = clabPaths(lab.name, "/w");
    const phases = planUp(ctx(paths, { k8s }));
    for (const s of phases.flatMap((p) => p.steps)) {
      t.true((s.call.timeoutMs ?? 0) > 0, s.call.argv.join(" "));
      if (s.call.argv[0] === "kubectl")
        t.deepEqual(s.call.argv.slice(1, 3), ["--kubeconfig", paths.kubeconfig]);
    }
    const applied = argvs(phases).filter((a) => a.includes("apply"));
    t.false(applied.some((a) => a.some((x) => x.endsWith("values.yaml"))));
    const list = argvs(phases);
    const deploy = index(list, (a) => a[0] === "containerlab");
    const kubeconfig = index(list, (a) => a.includes("kubeconfig") && a[0] !== "kubectl" && a[0] !== "helm");
    const firstKubectl = index(list, (a) => a[0] === "kubectl");
    const helm = index(list, (a) => a[0] === "helm");
    const apply = index(list, (a) => a.includes("apply"));
    t.true(deploy < kubeconfig && kubeconfig < firstKubectl && helm < apply, `order for ${k8s}`);
  }
  t.deepEqual(manifestFiles(lab), [
    `${lab.configDir}/k8s/cilium/advertisement.yaml`,
    `${lab.configDir}/k8s/cilium/networks.yaml`,
    `${lab.configDir}/k8s/cilium/peer-config.yaml`,
  ]);
  t.deepEqual(manifestCrds(lab), [
    "ciliumbgpadvertisements.cilium.io",
    "ciliumbgpclusterconfigs.cilium.io",
    "ciliumbgppeerconfigs.cilium.io",
  ]);
});

test("the executor runs the sequence through ExternalTools in order and writes the kubeconfig 0600 (recording fake)", async (t) => {
  const paths = tempPaths(t);
  const phases = planUp(ctx(paths));
  const tools = new RecordingTools((call) =>
    ok(call.argv[0] === "kind" ? "apiVersion: v1\nkind: Config\n" : ""),
  );
  const events: ProgressEvent[] = [];
  await executePhases(phases, tools, { progress: (e) => events.push(e) });
  t.deepEqual(
    tools.calls.map((c) => c.argv),
    argvs(phases),
  );
  t.is(readFileSync(paths.kubeconfig, "utf8"), "apiVersion: v1\nkind: Config\n");
  t.is(statSync(paths.kubeconfig).mode & 0o777, 0o600);
  t.deepEqual(
    events.filter((e) => e.kind === "done").map((e) => (e.kind === "done" ? e.step : "")),
    phases.map((p) => p.name),
  );
});

test("a retry step runs again until it exits 0 (recording fake)", async (t) => {
  const paths = tempPaths(t);
  const apply = planUp(ctx(paths)).filter((p) => p.name === "apply the Cilium BGP manifests");
  let crdAttempts = 0;
  const tools = new RecordingTools((call) => {
    if (!call.argv.includes("--for=condition=Established")) return ok("");
    crdAttempts++;
    return crdAttempts < 3
      ? {
          code: 1,
          stdout: "",
          stderr: 'Error from server (NotFound): customresourcedefinitions "x" not found',
        }
      : ok("");
  });
  const phases = apply.map((p) => ({
    ...p,
    steps: p.steps.map((s) => (s.kind === "retry" ? { ...s, intervalMs: 1 } : s)),
  }));
  await executePhases(phases, tools);
  t.is(crdAttempts, 3);
  t.is(tools.calls.filter((c) => c.argv.includes("apply")).length, 3);
});

test("the first failing command stops the sequence and carries its stderr (recording fake)", async (t) => {
  const paths = tempPaths(t);
  const tools = new RecordingTools((call) =>
    call.argv[0] === "containerlab"
      ? { code: 1, stdout: "", stderr: "Error: the kind cluster could not be created" }
      : ok(""),
  );
  const err = await t.throwsAsync(executePhases(planUp(ctx(paths)), tools), { instanceOf: ToolError });
  t.regex(
    err?.message ?? "",
    /containerlab deploy .* exited with 1: Error: the kind cluster could not be created/,
  );
  t.is(tools.calls.length, 1);
});

test("an aborted run starts no further command", async (t) => {
  const paths = tempPaths(t);
  const controller = new AbortController();
  const tools = new RecordingTools(() => {
    controller.abort(new Error("interrupted"));
    return ok("");
  });
  await t.throwsAsync(executePhases(planUp(ctx(paths)), tools, { signal: controller.signal }), {
    message: "interrupted",
  });
  t.is(tools.calls.length, 1);
});
