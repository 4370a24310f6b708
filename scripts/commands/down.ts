import { existsSync } from "node:fs";
import { netnsDown } from "../../lab/runtime/netns/down.ts";
import { planNetns } from "../../lab/runtime/netns/plan.ts";
import { workPaths } from "../../lab/runtime/workdir.ts";
import { formatProgress } from "../../lab/util/progress.ts";
import { COMMON_OPTIONS, type Command, EXIT, parse } from "../cli-kit.ts";
import { loadForCommand } from "./load.ts";

export const down: Command = {
  name: "down",
  summary: "remove everything `up` created (also after a crashed up); idempotent",
  usage: "lab down [--topology FILE] [--name LAB] [--json]",
  async run(argv, ctx) {
    const { values } = parse(this, argv, COMMON_OPTIONS);
    const lab = await loadForCommand(values);
    const paths = workPaths(lab.name);
    const start = performance.now();
    const hadJournal = existsSync(paths.journal);
    const report = await netnsDown(
      paths,
      planNetns(lab).namespaces.map((n) => n.name),
      values.json ? () => {} : (e) => ctx.err(formatProgress(e, performance.now() - start)),
    );
    if (values.json)
      ctx.out(JSON.stringify({ lab: lab.name, ...report, ms: Math.round(performance.now() - start) }));
    else if (!hadJournal && report.namespaces === 0)
      ctx.out(`lab ${lab.name} is not running: nothing to remove`);
    else
      ctx.out(
        `lab ${lab.name} removed: ${report.processes} processes stopped, ${report.namespaces} namespaces deleted in ${((performance.now() - start) / 1000).toFixed(2)} s`,
      );
    return EXIT.ok;
  },
};
