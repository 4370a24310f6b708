// `doctor`: can this machine run the lab, and what did earlier labs leave behind? Every check is a
// function of a Probe (systemProbe() for the real machine), so all of it runs in tests too.
import { labsRoot } from "../runtime/workdir.ts";
import { clabFindings, commandFindings, kernelFindings, systemFindings } from "./checks.ts";
import { clabLabFindings, clabLabStates } from "./clab-labs.ts";
import { type Finding, netnsRuntimeReady } from "./finding.ts";
import { collectLabStates, leftoverFindings } from "./leftovers.ts";
import type { Probe } from "./probe.ts";

export { type Finding, formatFindings, netnsRuntimeReady } from "./finding.ts";
export { DOWN_ALL, downCommand } from "./leftovers.ts";
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
  // The kernel and command checks are independent; the kernel's runs commands one at a time.
  const [kernel, commands, clab] = await Promise.all([
    kernelFindings(probe),
    commandFindings(probe),
    opts.clab === false ? Promise.resolve([]) : clabFindings(probe),
  ]);
  const leftovers =
    probe.platform === "linux"
      ? leftoverFindings(await collectLabStates(probe, opts.labsRoot ?? labsRoot()))
      : [];
  const clabLabs = clabLabFindings(
    clabLabStates(opts.labsRoot ?? labsRoot()),
    probe.uid === 0 ? "" : "sudo ",
  );
  const findings = [...system, ...kernel, ...commands, ...clab, ...clabLabs, ...leftovers];
  return { ready: netnsRuntimeReady(findings), findings };
}
