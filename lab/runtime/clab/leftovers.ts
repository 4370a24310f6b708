// clab labs that are up, from their state files (<labsRoot>/clab-<lab>/state.json, written before
// `up --runtime clab` creates anything): doctor names each with the command that removes it, so
// a kind cluster from a forgotten run does not go unnoticed. `down --all` only covers netns labs.
import { readdirSync } from "node:fs";
import { LAB_NAME } from "../../topology/elements.ts";
import type { MachineFinding as Finding } from "../../util/finding.ts";
import { labsRoot } from "../workdir.ts";
import { type ClabState, clabPaths, readState } from "./paths.ts";

export function clabLabStates(root = labsRoot()): ClabState[] {
  let names: string[];
  try {
    names = readdirSync(root, { withFileTypes: true })
      .filter((d) => d.isDirectory() && d.name.startsWith("clab-"))
      .map((d) => d.name.slice("clab-".length))
      .filter((n) => LAB_NAME.test(n))
      .sort();
  } catch {
    return [];
  }
  return names.flatMap((n) => {
    const s = readState(clabPaths(n, root));
    return s ? [s] : [];
  });
}

export function clabLabFindings(states: readonly ClabState[], sudo = ""): Finding[] {
  return states.map((s) => ({
    id: `clab.lab.${s.lab}`,
    area: "clab",
    severity: "info",
    message: `clab lab ${s.lab} is up (${s.k8s} cluster ${s.cluster}, created ${s.createdAt}${s.convergedAt ? `, converged ${s.convergedAt}` : ", never converged"})`,
    fix: `${sudo}npm run lab -- down --runtime clab --name ${s.lab}`,
  }));
}
