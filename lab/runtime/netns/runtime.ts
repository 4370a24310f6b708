// The netns runtime behind the Runtime interface: a thin adapter over netnsUp, netnsDown and
// convergenceState, which it calls unchanged. `down` removes what the journal records, what this
// topology's plan names, and every namespace named like this lab's (a run of another topology
// under the same name leaves namespaces this plan does not list), exactly as `lab down` always has.
import { existsSync } from "node:fs";
import { recognisedLabs } from "../../doctor/leftovers.ts";
import { collectStatus, formatNodes, formatRouters, formatRoutes } from "../../report/status.ts";
import type { Lab } from "../../topology/model.ts";
import type {
  CheckResult,
  ConvergenceReader,
  DownOptions,
  DownResult,
  Runtime,
  StatusReporter,
  UpOptions,
  UpResult,
} from "../runtime.ts";
import { workPaths } from "../workdir.ts";
import { netnsDown } from "./down.ts";
import { listNetns } from "./ip.ts";
import { Journal } from "./journal.ts";
import { planNetns } from "./plan.ts";
import { convergenceState, netnsUp } from "./up.ts";

export class NetnsRuntime implements Runtime, ConvergenceReader, StatusReporter {
  readonly name = "netns" as const;

  async up(lab: Lab, opts: UpOptions = {}): Promise<UpResult> {
    const r = await netnsUp(lab, opts);
    return r.timings ? { alreadyUp: r.alreadyUp, timings: r.timings } : { alreadyUp: r.alreadyUp };
  }

  async down(lab: Lab, opts: DownOptions = {}): Promise<DownResult> {
    const paths = workPaths(lab.name);
    const hadJournal = existsSync(paths.journal);
    const named = recognisedLabs(await listNetns()).get(lab.name) ?? [];
    const report = await netnsDown(
      paths,
      [...planNetns(lab).namespaces.map((n) => n.name), ...named],
      opts.progress,
    );
    return {
      removed: { processes: report.processes, namespaces: report.namespaces },
      found: hadJournal || report.namespaces > 0,
      summary: `${report.processes} processes stopped, ${report.namespaces} namespaces deleted`,
    };
  }

  convergence(lab: Lab): Promise<CheckResult[]> {
    return convergenceState(lab, workPaths(lab.name));
  }

  async status(lab: Lab): Promise<{ data: unknown; text: string }> {
    const paths = workPaths(lab.name);
    const status = await collectStatus(lab, paths, new Journal(paths.journal));
    const text = [
      "Nodes (cilium bgp peers)",
      formatNodes(status.nodes),
      "",
      "Routers (birdc show protocols)",
      formatRouters(status.routers),
      "",
      formatRoutes(status.routes),
    ].join("\n");
    return { data: status, text };
  }
}
