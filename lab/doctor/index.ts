// `doctor`: can this machine run the lab, and what did earlier labs leave behind? Every check is a
// function of a Probe (systemProbe() for the real machine), so all of it runs in tests too.

import { runnerFindings } from "../runner/doctor.ts";
import { DEFAULT_KIND, KIND_NAMES, runtimeKind } from "../runtime/registry.ts";
import { labsRoot } from "../runtime/workdir.ts";
import { clabFindings, commandFindings, kernelFindings, speakerFindings, systemFindings } from "./checks.ts";
import { type Finding, netnsRuntimeReady } from "./finding.ts";
import type { Probe } from "./probe.ts";

export { type Finding, formatFindings, netnsRuntimeReady } from "./finding.ts";
export { type Probe, systemProbe } from "./probe.ts";

export interface DoctorOptions {
  /** Where lab work dirs are looked for (default labsRoot()). */
  labsRoot?: string;
  /** Skip the clab runtime's tools (they are informational). */
  clab?: boolean;
}

export interface DoctorReport {
  /** The netns runtime can run: no finding is an error. */
  ready: boolean;
  findings: Finding[];
}

export async function runDoctor(probe: Probe, opts: DoctorOptions = {}): Promise<DoctorReport> {
  const system = systemFindings(probe);
  const defaultKind = await runtimeKind(DEFAULT_KIND);
  // The kernel and command checks are independent; the kernel's runs commands one at a time.
  const [kernel, commands, speaker, clab] = await Promise.all([
    kernelFindings(probe),
    commandFindings(probe, defaultKind.requiredCommands),
    speakerFindings(probe),
    opts.clab === false ? Promise.resolve([]) : clabFindings(probe),
  ]);
  // Every kind's leftovers; the default kind's last, as its fixes are the ones most often run.
  const root = opts.labsRoot ?? labsRoot();
  const leftovers: Finding[] = [];
  for (const name of [...KIND_NAMES.filter((k) => k !== DEFAULT_KIND), DEFAULT_KIND])
    leftovers.push(...(await (await runtimeKind(name)).leftoverFindings(probe, root)));
  // Labs in runner containers (macOS, Linux without root, --where container).
  leftovers.push(...runnerFindings((await probe.runners?.(2000)) ?? []));
  const findings = [...system, ...kernel, ...commands, ...speaker, ...clab, ...leftovers];
  return { ready: netnsRuntimeReady(findings), findings };
}
