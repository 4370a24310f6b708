import { closest } from "../../lab/topology/diagnostics.ts";
import { elementNames } from "../../lab/topology/elements.ts";
import { COMMON_OPTIONS, type Command, parse, UsageError } from "../cli-kit.ts";
import { chooseKind, KIND_OPTIONS, loadForCommand, requireUp } from "./load.ts";

export const exec: Command = {
  name: "exec",
  summary: "run a command inside a router, node or pod (birdc and gobgp find their daemon by themselves)",
  usage:
    "lab exec [--topology FILE] [--name LAB] [--runtime netns|clab] NODE -- CMD [ARGS...]  (clab: output shown when the command ends)",
  async run(argv, ctx) {
    const dash = argv.indexOf("--");
    const own = dash >= 0 ? argv.slice(0, dash) : argv;
    const cmd = dash >= 0 ? argv.slice(dash + 1) : [];
    const { values, positionals } = parse(
      this,
      own,
      { ...COMMON_OPTIONS, runtime: KIND_OPTIONS.runtime },
      true,
    );
    const { kind, options } = await chooseKind(values);
    const target = positionals[0];
    if (!target || positionals.length > 1 || cmd.length === 0)
      throw new UsageError("exec needs one NODE and a command after --", `usage: ${this.usage}`);
    const handle = kind.open(await loadForCommand(values), options);
    const names = [...elementNames(handle.lab), ...handle.extraExecTargets()];
    if (!names.includes(target)) {
      const guess = closest(target, names);
      throw new UsageError(
        `no router, node or pod named "${target}"`,
        guess ? `did you mean ${guess}?` : `known: ${names.join(", ")}`,
      );
    }
    requireUp(handle);
    return handle.exec(target, cmd, ctx);
  },
};
