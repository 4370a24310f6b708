// Every artifact of a lab, from one resolved model. Pure: the caller writes the files.
import { relative } from "node:path";
import type { Lab } from "../topology/model.ts";
import type { Artifact } from "./artifact.ts";
import { renderBirdWrappers } from "./bird.ts";
import { renderClab } from "./clab.ts";
import { renderGobgp } from "./gobgp.ts";
import { renderK3dConfig } from "./k3d.ts";
import { renderKindConfig } from "./kind.ts";
import { renderMermaid } from "./mermaid.ts";
import { CLAB_DIR } from "./paths.ts";

export interface RenderOptions {
  /** Absolute directory the artifacts will be written to (paths inside some files point there). */
  outDir: string;
  /** Kubernetes distribution of the containerlab topology. */
  k8s?: "kind" | "k3d";
}

export function renderAll(lab: Lab, opts: RenderOptions): Artifact[] {
  // containerlab resolves binds relative to the topology file: point them back at configs/.
  const configRootFromArtifact = relative(`${opts.outDir}/${CLAB_DIR}`, lab.configDir);
  return [
    ...renderGobgp(lab),
    ...renderBirdWrappers(lab, opts.outDir),
    ...renderClab(lab, { configRootFromArtifact, k8s: opts.k8s ?? "kind" }),
    ...renderKindConfig(lab),
    ...renderK3dConfig(lab),
    ...renderMermaid(lab),
  ];
}
