// Where a clab lab keeps its files: <labsRoot>/clab-<lab>/, beside (never inside) the netns
// runtime's <labsRoot>/<lab>/, so `down` of one runtime never removes the other's files and
// `doctor` (which treats <labsRoot>/<lab>/journal.jsonl as a netns lab) never mistakes it.
// The state file is written before anything is created, so `down` after a crashed `up` knows
// which distribution and cluster to remove.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { clabTopologyPath, k3dConfigPath, kindConfigPath } from "../../render/paths.ts";
import type { K8sDistributionName } from "../runtime.ts";
import { labsRoot } from "../workdir.ts";

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
}

export const TEST_PODS_PATH = "k8s/test-pods.yaml";

export function clabPaths(labName: string, root = labsRoot()): ClabPaths {
  const dir = `${root}/clab-${labName}`;
  const rendered = `${dir}/rendered`;
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
