import { DEFAULT_KIND, KIND_NAMES, runtimeKind } from "../../lab/runtime/registry.ts";
import { formatProgress } from "../../lab/util/progress.ts";
import { COMMON_OPTIONS, type Command, EXIT, parse, UsageError } from "../cli-kit.ts";
import { chooseKind, KIND_OPTIONS, loadForCommand } from "./load.ts";

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
      runtime: KIND_OPTIONS.runtime,
      k8s: KIND_OPTIONS.k8s,
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
      const kind = await runtimeKind(values.runtime);
      if (!kind.downAll)
        throw new UsageError(
          `down: --all removes the leftovers of ${DEFAULT_KIND} labs`,
          `remove one with: npm run lab -- down --runtime ${kind.name} [--name LAB]`,
        );
      // No topology is loaded: --all must work even when configs/ is broken.
      const removed = await kind.downAll({ progress });
      const ms = performance.now() - start;
      if (values.json) ctx.out(JSON.stringify({ labs: removed.data, ms: Math.round(ms) }));
      else ctx.out(removed.text(ms));
      return EXIT.ok;
    }
    const { kind, options } = await chooseKind(values);
    const handle = kind.open(await loadForCommand(values), options);
    const lab = handle.lab;
    const result = await handle.down({ progress, signal: ctx.signal });
    const qualifier = kind.name === DEFAULT_KIND ? "" : ` (${kind.name})`;
    const ms = performance.now() - start;
    if (values.json)
      ctx.out(
        JSON.stringify({
          lab: lab.name,
          ...(kind.name === DEFAULT_KIND ? {} : { runtime: kind.name }),
          ...result.removed,
          ms: Math.round(ms),
        }),
      );
    else if (!result.found) ctx.out(`lab ${lab.name}${qualifier} is not running: nothing to remove`);
    else ctx.out(`lab ${lab.name} removed: ${result.summary} in ${(ms / 1000).toFixed(2)} s`);
    // A lab of the same name of another kind is easy to forget.
    for (const other of KIND_NAMES.filter((k) => k !== kind.name)) {
      const o = await runtimeKind(other);
      if (o.labUp(lab.name) && !values.json)
        ctx.err(
          `note: a ${o.labTitle} ${lab.name} is up as well; remove it with: npm run lab -- down --runtime ${o.name}`,
        );
    }
    return EXIT.ok;
  },
};
