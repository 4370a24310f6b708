// Every artifact of a lab, from one resolved model. Pure: the caller writes the files.
import type { Lab } from "../topology/model.ts";
import type { Artifact } from "./artifact.ts";
import { renderBirdWrappers } from "./bird.ts";
import { renderGobgp } from "./gobgp.ts";

export interface RenderOptions {
  /** Absolute directory the artifacts will be written to (paths inside some files point there). */
  outDir: string;
}

export function renderAll(lab: Lab, opts: RenderOptions): Artifact[] {
  return [...renderGobgp(lab), ...renderBirdWrappers(lab, opts.outDir)];
}
