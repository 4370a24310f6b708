// The pieces of a clab lab that up, down and the runtime share: which distribution and cluster
// (from the state file of an earlier up, else the options, else kind and the lab's name), the
// work paths, the tools, the Docker client, and the files to render.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, relative } from "node:path";
import type Docker from "dockerode";
import { ContainerControl } from "../../docker/containers.ts";
import { connectEngine } from "../../docker/engine.ts";
import type { Artifact } from "../../render/artifact.ts";
import { renderClab } from "../../render/clab.ts";
import { renderAll } from "../../render/index.ts";
import type { Lab } from "../../topology/model.ts";
import type { NetemSupport } from "../../util/netem.ts";
import { ClabControl, type Containers } from "./control.ts";
import type { K8sDistributionName } from "./distributions.ts";
import type { ClabProbe } from "./observe.ts";
import { type ClabPaths, clabPaths, readState } from "./paths.ts";
import { renderTestPods } from "./test-pods.ts";
import { type ExternalTools, HostTools } from "./tools.ts";

export interface ClabOptions {
  k8s?: K8sDistributionName;
  /** Image of the test pods (default busybox). */
  podImage?: string;
  tools?: ExternalTools;
  docker?: Docker;
  containers?: Containers;
  paths?: ClabPaths;
  /** Whether the kernel has sch_netem; default the real probe (lab/util/netem.ts), asked once. */
  netem?: () => NetemSupport;
}

export interface ClabContext {
  lab: Lab;
  k8s: K8sDistributionName;
  cluster: string;
  paths: ClabPaths;
  tools: ExternalTools;
  docker: Docker;
  control: ClabControl;
}

export function clabContext(lab: Lab, opts: ClabOptions = {}): ClabContext {
  const paths = opts.paths ?? clabPaths(lab.name);
  const state = readState(paths);
  const k8s = opts.k8s ?? state?.k8s ?? "kind";
  // containerlab's k8s-kind node names the kind cluster after itself: the lab's name (clab.ts).
  const cluster = state?.cluster ?? lab.name;
  const docker = opts.docker ?? connectEngine();
  const containers = opts.containers ?? new ContainerControl(docker);
  return {
    lab,
    k8s,
    cluster,
    paths,
    tools: opts.tools ?? new HostTools(),
    docker,
    control: new ClabControl(lab, k8s, cluster, containers),
  };
}

export function probeOf(ctx: ClabContext): ClabProbe {
  return {
    lab: ctx.lab,
    control: ctx.control,
    tools: ctx.tools,
    paths: ctx.paths,
    hasCiliumCli: ctx.tools.which("cilium") !== undefined,
  };
}

/**
 * Every file the clab runtime uses: renderAll's artifacts (containerlab topology and the BIRD
 * wrappers it binds, kind and k3d configs, netns BIRD wrappers, diagram) and the test pods. The
 * topology binds each router's paths.birdLogDir; up creates them. For kind it is rendered with
 * `extras.k8s_kind.deploy.wait: 0s`: without a CNI the nodes stay NotReady until Cilium is
 * installed, and containerlab would otherwise wait 15 minutes for Ready before wiring the links.
 */
export function clabArtifacts(
  lab: Lab,
  paths: ClabPaths,
  k8s: K8sDistributionName,
  podImage?: string,
): Artifact[] {
  const artifacts = renderAll(lab, { outDir: paths.rendered, k8s });
  const clabDir = dirname(paths.clabTopology);
  const topology = renderClab(lab, {
    configRootFromArtifact: relative(clabDir, lab.configDir),
    logRootFromArtifact: relative(clabDir, paths.logs),
    k8s,
    ...(k8s === "kind" ? { kindWait: "0s" } : {}),
  });
  const replaced = new Set(topology.map((a) => a.path));
  return [
    ...artifacts.filter((a) => !replaced.has(a.path)),
    ...topology,
    renderTestPods(lab, { k8s, cluster: lab.name, ...(podImage ? { image: podImage } : {}) }),
  ];
}

export function writeArtifacts(root: string, artifacts: Artifact[]): void {
  for (const a of artifacts) {
    const file = `${root}/${a.path}`;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, a.content);
  }
}
