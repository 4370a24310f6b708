// What every command that acts on a lab shares: loading the topology (the --topology file,
// default configs/topology.yaml, and an optional --name that runs the same topology as a second,
// independent lab) and choosing the runtime kind (--runtime, with the kind's own options) from
// the registry.

import { which } from "zx/core";
import { checkBirdConfig } from "../../lab/bird/check.ts";
import type { KindOptions, LabHandle, RuntimeKind } from "../../lab/runtime/kind.ts";
import { runtimeKind } from "../../lab/runtime/registry.ts";
import { LAB_NAME } from "../../lab/topology/elements.ts";
import { DEFAULT_TOPOLOGY_FILE, loadLab } from "../../lab/topology/load.ts";
import type { Lab } from "../../lab/topology/model.ts";
import { UsageError } from "../cli-kit.ts";

/** --runtime and the options of every kind, for util.parseArgs. Kinds check their values. */
export const KIND_OPTIONS = {
  runtime: { type: "string" },
  k8s: { type: "string" },
  "pod-image": { type: "string" },
} as const;

export interface KindChoice {
  kind: RuntimeKind;
  options: KindOptions;
}

/** The kind --runtime names (default netns) and its options; bad values are usage errors. */
export async function chooseKind(values: {
  runtime?: string | undefined;
  k8s?: string | undefined;
  "pod-image"?: string | undefined;
}): Promise<KindChoice> {
  const kind = await runtimeKind(values.runtime);
  const options: KindOptions = {};
  if (values.k8s !== undefined) options.k8s = values.k8s;
  if (values["pod-image"] !== undefined) options["pod-image"] = values["pod-image"];
  kind.checkOptions(options);
  return { kind, options };
}

export async function loadForCommand(
  values: { topology?: string | undefined; name?: string | undefined },
  opts: { birdCheck?: boolean | "if-installed"; note?: ((text: string) => void) | undefined } = {},
): Promise<Lab> {
  let birdCheck = opts.birdCheck === true;
  if (opts.birdCheck === "if-installed") {
    birdCheck = which.sync("bird", { nothrow: true }) !== null;
    if (!birdCheck)
      opts.note?.(
        "note: bird is not installed on this host: the BIRD configs are checked when the routers start",
      );
  }
  const lab = await loadLab(
    values.topology ?? DEFAULT_TOPOLOGY_FILE,
    birdCheck ? { birdCheck: birdSyntax } : {},
  );
  if (values.name !== undefined) {
    if (!LAB_NAME.test(values.name)) {
      throw new UsageError(
        `--name "${values.name}" is not a valid lab name`,
        "lowercase letters and digits, starting with a letter, at most 8",
      );
    }
    return { ...lab, name: values.name };
  }
  return lab;
}

/** Commands that act on a running lab refuse a lab that is not up, saying how to start it. */
export function requireUp(h: LabHandle): void {
  if (!h.isUp())
    throw new UsageError(
      `${h.kind.labTitle} ${h.lab.name} is not running`,
      `start it with: ${h.kind.startHint}`,
    );
}

async function birdSyntax(file: string) {
  const r = await checkBirdConfig(file);
  return r.ok
    ? { ok: true as const }
    : { ok: false as const, where: { file: r.file, line: r.line ?? 1, col: r.col ?? 1 }, message: r.message };
}
