// What `doctor` says about runner containers: each one found on the engine is a lab that is up
// (or left behind by a crash), with the command that removes it and everything in it.
import type { MachineFinding } from "../util/finding.ts";
import type { RunnerInfo } from "./container.ts";

export function runnerFindings(runners: readonly RunnerInfo[]): MachineFinding[] {
  return runners.map((r) => ({
    id: `leftover.runner.${r.lab}`,
    area: "leftovers",
    severity: "warn",
    message: `runner container ${r.name} (lab ${r.lab}, ${r.state}) of the checkout ${r.checkout}`,
    fix: `cd ${r.checkout} && npm run lab -- down --name ${r.lab}`,
  }));
}
