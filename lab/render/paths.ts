// Where the full-fidelity renderers put their files under the lab's work dir. The clab topology
// names the kind config by a path relative to itself, so both paths are decided here, once.
import { posix } from "node:path";
import type { Lab } from "../topology/model.ts";

/** The containerlab topology and the cluster configs it refers to live side by side. */
export const CLAB_DIR = "clab";
export const DIAGRAM_DIR = "diagram";

export function clabTopologyPath(lab: Pick<Lab, "name">): string {
  return `${CLAB_DIR}/${lab.name}.clab.yml`;
}

export function kindConfigPath(lab: Pick<Lab, "name">): string {
  return `${CLAB_DIR}/${lab.name}.kind.yaml`;
}

export function k3dConfigPath(lab: Pick<Lab, "name">): string {
  return `${CLAB_DIR}/${lab.name}.k3d.yaml`;
}

/** `to` as containerlab resolves it from the topology file (both paths relative to the work dir). */
export function relativeToClabTopology(lab: Pick<Lab, "name">, to: string): string {
  return posix.relative(posix.dirname(clabTopologyPath(lab)), to);
}
