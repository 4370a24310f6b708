import { downAll, formatRemovals } from "../../lab/doctor/down-all.ts";
import { clabLabUp } from "../../lab/runtime/clab/paths.ts";
import { selectRuntime } from "../../lab/runtime/runtime.ts";
import { formatProgress } from "../../lab/util/progress.ts";
import { COMMON_OPTIONS, type Command, EXIT, parse, UsageError } from "../cli-kit.ts";
import { loadForCommand } from "./load.ts";
import { runtimeChoice } from "./up.ts";

export const down: Command = {
  name: "down",
  summary:
    "remove everything `up` created (also after a crashed up); idempotent; --all: every lab's leftovers",
  usage:
    "lab down [--topology FILE] [--name LAB] [--runtime netns|clab [--k8s kind|k3d]] [--json] | lab down --all [--json]",
  async run(argv, ctx) {
    const { values } = parse(this, argv, {
      ...COMMON_OPTIONS,
      all: { type: "boolean" },
      runtime: { type: "string" },
      k8s: { type: "string" },
    });
    const start = performance.now();
    const progress = values.json
      ? () => {}
      : (e: Parameters<typeof formatProgress>[0]) => ctx.err(formatProgress(e, performance.now() - start));
    if (values.all) {
      if (values.name !== undefined || values.topology !== undefined)
        throw new UsageError(
          "down: --all removes every lab; it takes no --name or --topology",
          `usage: ${this.usage}`,
        );
      if (values.runtime !== undefined && values.runtime !== "netns")
        throw new UsageError(
          "down: --all removes the leftovers of netns labs",
          "remove a clab lab with: npm run lab -- down --runtime clab [--name LAB]",
        );
      // No topology is loaded: --all must work even when configs/ is broken.
      const removals = await downAll({ progress });
      const ms = performance.now() - start;
      if (values.json) ctx.out(JSON.stringify({ labs: removals, ms: Math.round(ms) }));
      else ctx.out(formatRemovals(removals, ms));
      return EXIT.ok;
    }
    const choice = runtimeChoice(values);
    const lab = await loadForCommand(values);
    const runtime = await selectRuntime(choice.name, choice.k8s ? { k8s: choice.k8s } : {});
    const result = await runtime.down(lab, { progress, signal: ctx.signal });
    const ms = performance.now() - start;
    if (values.json)
      ctx.out(
        JSON.stringify({
          lab: lab.name,
          ...(runtime.name === "netns" ? {} : { runtime: runtime.name }),
          ...result.removed,
          ms: Math.round(ms),
        }),
      );
    else if (!result.found)
      ctx.out(
        `lab ${lab.name}${runtime.name === "netns" ? "" : ` (${runtime.name})`} is not running: nothing to remove`,
      );
    else ctx.out(`lab ${lab.name} removed: ${result.summary} in ${(ms / 1000).toFixed(2)} s`);
    if (runtime.name === "netns" && clabLabUp(lab.name) && !values.json)
      ctx.err(
        `note: a clab lab ${lab.name} is up as well; remove it with: npm run lab -- down --runtime clab`,
      );
    return EXIT.ok;
  },
};
