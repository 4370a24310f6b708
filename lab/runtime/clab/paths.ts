// Where a clab lab keeps its files: <labsRoot>/clab-<lab>/, beside (never inside) the netns
// runtime's <labsRoot>/<lab>/, so `down` of one runtime never removes the other's files and
// `doctor` (which treats <labsRoot>/<lab>/journal.jsonl as a netns lab) never mistakes it.
// The state file is written before anything is created, so `down` after a crashed `up` knows
// which distribution and cluster to remove. Each router's BIRD log dir, logs/<router>/, is bound
// into its container (lab/render/clab.ts), so the host follows BIRD's log as under netns.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, posix } from "node:path";
import { BIRD_LOG_IN_CONTAINER } from "../../render/clab.ts";
import { clabTopologyPath, k3dConfigPath, kindConfigPath } from "../../render/paths.ts";
import { labsRoot } from "../workdir.ts";
import type { K8sDistributionName } from "./distributions.ts";

export interface ClabPaths {
  root: string;
  /** renderAll's output directory. */
  rendered: string;
  clabTopology: string;
  kindConfig: string;
  k3dConfig: string;
  testPods: string;
  kubeconfig: string;
  state: string;
  /** Holds one BIRD log dir per router; outside `rendered`, which is rendered again. */
  logs: string;
  /** Bound read-write at BIRD_LOG_DIR_IN_CONTAINER in the router's container. */
  birdLogDir(router: string): string;
  /** BIRD's log (the wrapper's `log` file) as the host sees it. */
  birdLog(router: string): string;
}

export const TEST_PODS_PATH = "k8s/test-pods.yaml";

export function clabPaths(labName: string, root = labsRoot()): ClabPaths {
  const dir = `${root}/clab-${labName}`;
  const rendered = `${dir}/rendered`;
  const logs = `${dir}/logs`;
  const lab = { name: labName };
  return {
    root: dir,
    rendered,
    clabTopology: `${rendered}/${clabTopologyPath(lab)}`,
    kindConfig: `${rendered}/${kindConfigPath(lab)}`,
    k3dConfig: `${rendered}/${k3dConfigPath(lab)}`,
    testPods: `${rendered}/${TEST_PODS_PATH}`,
    kubeconfig: `${dir}/kubeconfig`,
    state: `${dir}/state.json`,
    logs,
    birdLogDir: (r) => `${logs}/${r}`,
    birdLog: (r) => `${logs}/${r}/${posix.basename(BIRD_LOG_IN_CONTAINER)}`,
  };
}

export interface ClabState {
  lab: string;
  k8s: K8sDistributionName;
  cluster: string;
  createdAt: string;
  /** Set once every convergence check passed. */
  convergedAt?: string;
}

/** A clab lab is up from the moment its state file exists (written before anything is created). */
export function clabLabUp(labName: string, root = labsRoot()): boolean {
  return existsSync(clabPaths(labName, root).state);
}

export function readState(paths: ClabPaths): ClabState | undefined {
  if (!existsSync(paths.state)) return undefined;
  try {
    const s = JSON.parse(readFileSync(paths.state, "utf8")) as Partial<ClabState>;
    if (typeof s.lab !== "string" || (s.k8s !== "kind" && s.k8s !== "k3d") || typeof s.cluster !== "string")
      return undefined;
    return s as ClabState;
  } catch {
    return undefined;
  }
}

export function writeState(paths: ClabPaths, state: ClabState): void {
  mkdirSync(dirname(paths.state), { recursive: true });
  writeFileSync(paths.state, `${JSON.stringify(state, null, 2)}\n`);
}
