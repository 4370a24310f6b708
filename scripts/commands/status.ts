import { existsSync } from "node:fs";
import { collectStatus, formatStatus } from "../../lab/report/status.ts";
import { clabLabUp } from "../../lab/runtime/clab/paths.ts";
import { Journal } from "../../lab/runtime/netns/journal.ts";
import { canReportStatus, selectRuntime } from "../../lab/runtime/runtime.ts";
import { workPaths } from "../../lab/runtime/workdir.ts";
import { COMMON_OPTIONS, type Command, EXIT, parse } from "../cli-kit.ts";
import { loadForCommand } from "./load.ts";
import { runtimeChoice } from "./up.ts";

export const status: Command = {
  name: "status",
  summary: "daemons, BGP sessions, 10.42 routes, ZeroTier relay impairment and counters",
  usage: "lab status [--topology FILE] [--name LAB] [--runtime netns|clab] [--json]",
  async run(argv, ctx) {
    const { values } = parse(this, argv, { ...COMMON_OPTIONS, runtime: { type: "string" } });
    const choice = runtimeChoice(values);
    const lab = await loadForCommand(values);
    if (choice.name === "clab") {
      if (!clabLabUp(lab.name)) {
        if (values.json) ctx.out(JSON.stringify({ lab: lab.name, runtime: "clab", running: false }));
        else ctx.out(`clab lab ${lab.name} is not running (start it with: sudo make lab-up RUNTIME=clab)`);
        return EXIT.failure;
      }
      const runtime = await selectRuntime("clab");
      if (!canReportStatus(runtime)) return EXIT.failure;
      const s = await runtime.status(lab);
      ctx.out(values.json ? JSON.stringify({ running: true, ...(s.data as object) }, null, 2) : s.text);
      return EXIT.ok;
    }
    const paths = workPaths(lab.name);
    if (!existsSync(paths.journal)) {
      if (values.json) ctx.out(JSON.stringify({ lab: lab.name, running: false }));
      else ctx.out(`lab ${lab.name} is not running (start it with: make lab-up)`);
      return EXIT.failure;
    }
    const s = await collectStatus(lab, paths, new Journal(paths.journal));
    ctx.out(values.json ? JSON.stringify({ running: true, ...s }, null, 2) : formatStatus(s));
    return EXIT.ok;
  },
};
