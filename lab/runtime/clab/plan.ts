// The external commands of a clab `up` and `down`, as data: a pure function of the lab model,
// so the order and every argument can be read (and tested) without the tools, and one executor
// that runs them through ExternalTools.
//
// up, kind:  containerlab deploy (its k8s-kind node creates the kind cluster, then the links and
//            addresses exist) -> kubeconfig -> label nodes -> Cilium (helm, or cilium install)
//            -> wait for Cilium's BGP CRDs -> kubectl apply the BGP manifests -> test pods.
// up, k3d:   k3d cluster create first (containerlab has no k3d node kind; the topology wires
//            k3d's containers as ext-containers), then the same.
// down:      containerlab destroy --cleanup (deletes the kind cluster too), k3d cluster delete.
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { clusterMembers } from "../../render/k8s-cluster.ts";
import type { Lab } from "../../topology/model.ts";
import { type ProgressSink, silent, step } from "../../util/progress.ts";
import { waitFor } from "../../util/wait.ts";
import type { K8sDistributionName } from "./distributions.ts";
import type { ClabPaths } from "./paths.ts";
import { NODE_LABEL, testPodNamespace } from "./test-pods.ts";
import type { ExternalTools, ToolCall } from "./tools.ts";
import { CILIUM_HELM_REPO, CILIUM_VERSION } from "./versions.ts";

export type Step =
  | { kind: "run"; call: ToolCall /** Write stdout to this file (mode 0600). */; stdoutTo?: string }
  /** Run until it exits 0, within the budget (for things that appear asynchronously). */
  | { kind: "retry"; call: ToolCall; budgetMs: number; intervalMs: number; what: string };

export interface Phase {
  name: string;
  steps: Step[];
}

export interface PlanContext {
  lab: Lab;
  paths: ClabPaths;
  k8s: K8sDistributionName;
  cluster: string;
  ciliumInstaller: "helm" | "cilium";
  ciliumVersion?: string;
}

const MIN = 60_000;

export function kubectl(paths: ClabPaths, ...args: string[]): string[] {
  return ["kubectl", "--kubeconfig", paths.kubeconfig, ...args];
}

const run = (argv: string[], timeoutMs: number, extra: Partial<ToolCall> = {}): Step => ({
  kind: "run",
  call: { argv, timeoutMs, ...extra },
});

/** The Cilium manifests to apply: every file the loader read a manifest from, never the Helm values. */
export function manifestFiles(lab: Lab): string[] {
  // Secrets too: a PeerConfig's authSecretRef reads its password from one.
  const files = new Set([...lab.cilium, ...lab.secrets].map((m) => m.source.file));
  if (lab.cluster.helmValues) files.delete(lab.cluster.helmValues);
  return [...files].sort();
}

/** CRD names of the kinds the manifests use, e.g. ciliumbgpclusterconfigs.cilium.io. */
export function manifestCrds(lab: Lab): string[] {
  const crds = new Set(
    lab.cilium.map((m) => `${m.kind.toLowerCase()}s.${m.apiVersion.split("/")[0] ?? "cilium.io"}`),
  );
  return [...crds].sort();
}

export function planUp(ctx: PlanContext): Phase[] {
  const { lab, paths, k8s, cluster } = ctx;
  const version = ctx.ciliumVersion ?? CILIUM_VERSION;
  const kubeEnv = { KUBECONFIG: paths.kubeconfig };
  const phases: Phase[] = [];
  if (k8s === "k3d")
    phases.push({
      name: "create the k3d cluster",
      steps: [
        run(
          [
            "k3d",
            "cluster",
            "create",
            "--config",
            paths.k3dConfig,
            "--kubeconfig-update-default=false",
            "--kubeconfig-switch-context=false",
          ],
          10 * MIN,
        ),
      ],
    });
  phases.push({
    name: `deploy the containerlab topology${k8s === "kind" ? " (creates the kind cluster)" : ""}`,
    steps: [run(["containerlab", "deploy", "-t", paths.clabTopology, "--reconfigure"], 20 * MIN)],
  });
  phases.push({
    name: "fetch the kubeconfig",
    steps: [
      {
        ...run(
          k8s === "kind"
            ? ["kind", "get", "kubeconfig", "--name", cluster]
            : ["k3d", "kubeconfig", "get", cluster],
          MIN,
        ),
        stdoutTo: paths.kubeconfig,
      } as Step,
    ],
  });
  phases.push({
    name: "label nodes",
    steps: clusterMembers(lab, k8s, cluster).map((m) =>
      run(
        kubectl(
          paths,
          "label",
          "node",
          m.container,
          `${NODE_LABEL}=${m.node.name}`,
          ...Object.entries(m.node.labels).map(([k, v]) => `${k}=${v}`),
          "--overwrite",
        ),
        MIN,
      ),
    ),
  });
  const values = lab.cluster.helmValues ? ["--values", lab.cluster.helmValues] : [];
  phases.push({
    name: `install Cilium ${version} (${ctx.ciliumInstaller})`,
    steps:
      ctx.ciliumInstaller === "helm"
        ? [
            run(["helm", "repo", "add", "cilium", CILIUM_HELM_REPO, "--force-update"], 2 * MIN),
            run(
              [
                "helm",
                "upgrade",
                "--install",
                "cilium",
                "cilium/cilium",
                "--version",
                version,
                "--namespace",
                "kube-system",
                ...values,
                "--kubeconfig",
                paths.kubeconfig,
                "--wait",
                "--timeout",
                "10m",
              ],
              11 * MIN,
            ),
          ]
        : [
            run(
              ["cilium", "install", "--version", version, "--namespace", "kube-system", ...values],
              5 * MIN,
              {
                env: kubeEnv,
              },
            ),
            run(["cilium", "status", "--wait", "--wait-duration", "10m"], 11 * MIN, { env: kubeEnv }),
          ],
  });
  const crds = manifestCrds(lab);
  phases.push({
    name: "apply the Cilium BGP manifests",
    steps: [
      ...(crds.length
        ? [
            {
              kind: "retry",
              what: `Cilium CRDs ${crds.join(", ")} established`,
              call: {
                argv: kubectl(
                  paths,
                  "wait",
                  "--for=condition=Established",
                  "--timeout=30s",
                  ...crds.map((c) => `crd/${c}`),
                ),
                timeoutMs: 40_000,
              },
              budgetMs: 5 * MIN,
              intervalMs: 2000,
            } as Step,
          ]
        : []),
      ...manifestFiles(lab).map((f) => run(kubectl(paths, "apply", "-f", f), MIN)),
    ],
  });
  const ns = testPodNamespace(lab);
  phases.push({
    name: "start the test pods",
    steps: [
      run(kubectl(paths, "apply", "-f", paths.testPods), MIN),
      run(
        kubectl(paths, "wait", "--for=condition=Ready", "pod", "--all", "--namespace", ns, "--timeout=300s"),
        310_000,
      ),
    ],
  });
  return phases;
}

export function planDown(ctx: Pick<PlanContext, "paths" | "k8s" | "cluster">): Phase[] {
  const phases: Phase[] = [
    {
      name: "containerlab destroy",
      steps: [run(["containerlab", "destroy", "-t", ctx.paths.clabTopology, "--cleanup"], 10 * MIN)],
    },
  ];
  if (ctx.k8s === "k3d")
    phases.push({
      name: "delete the k3d cluster",
      steps: [run(["k3d", "cluster", "delete", ctx.cluster], 5 * MIN)],
    });
  return phases;
}

export interface ExecuteOptions {
  progress?: ProgressSink;
  signal?: AbortSignal;
}

/** Runs the phases in order, each step through `tools`; the first failure stops the run. */
export async function executePhases(
  phases: Phase[],
  tools: ExternalTools,
  opts: ExecuteOptions = {},
): Promise<void> {
  const progress = opts.progress ?? silent;
  for (const phase of phases) {
    opts.signal?.throwIfAborted();
    await step(progress, phase.name, async () => {
      for (const s of phase.steps) {
        opts.signal?.throwIfAborted();
        await executeStep(s, tools, opts.signal);
      }
    });
  }
}

async function executeStep(s: Step, tools: ExternalTools, signal?: AbortSignal): Promise<void> {
  if (s.kind === "run") {
    const out = await tools.run(signal ? { ...s.call, signal } : s.call);
    if (s.stdoutTo) {
      mkdirSync(dirname(s.stdoutTo), { recursive: true });
      writeFileSync(s.stdoutTo, out.stdout, { mode: 0o600 });
      chmodSync(s.stdoutTo, 0o600);
    }
    return;
  }
  await waitFor(
    async () => {
      const r = await tools.run({ ...s.call, allowFailure: true, ...(signal ? { signal } : {}) });
      return r.code === 0 || r.stderr.trim().split("\n").slice(-1)[0] || `exit ${r.code}`;
    },
    { what: s.what, budgetMs: s.budgetMs, intervalMs: s.intervalMs, ...(signal ? { signal } : {}) },
  );
}
