// Loading the topology for a command: the --topology file (default configs/topology.yaml) and
// an optional --name that runs the same topology as a second, independent lab.
import { checkBirdConfig } from "../../lab/bird/check.ts";
import { clabLabUp } from "../../lab/runtime/clab/paths.ts";
import { DEFAULT_TOPOLOGY_FILE, loadLab } from "../../lab/topology/load.ts";
import type { Lab } from "../../lab/topology/model.ts";
import { UsageError } from "../cli-kit.ts";

export async function loadForCommand(
  values: { topology?: string; name?: string },
  opts: { birdCheck?: boolean } = {},
): Promise<Lab> {
  const lab = await loadLab(
    values.topology ?? DEFAULT_TOPOLOGY_FILE,
    opts.birdCheck ? { birdCheck: birdSyntax } : {},
  );
  if (values.name !== undefined) {
    if (!/^[a-z][a-z0-9]{0,7}$/.test(values.name)) {
      throw new UsageError(
        `--name "${values.name}" is not a valid lab name`,
        "lowercase letters and digits, starting with a letter, at most 8",
      );
    }
    return { ...lab, name: values.name };
  }
  return lab;
}

/** Commands that act on a running clab lab refuse a lab that is not up, saying how to start it. */
export function requireClabLab(lab: Lab): void {
  if (!clabLabUp(lab.name))
    throw new UsageError(
      `clab lab ${lab.name} is not running`,
      "start it with: sudo make lab-up RUNTIME=clab",
    );
}

async function birdSyntax(file: string) {
  const r = await checkBirdConfig(file);
  return r.ok
    ? { ok: true as const }
    : { ok: false as const, where: { file: r.file, line: r.line ?? 1, col: r.col ?? 1 }, message: r.message };
}
