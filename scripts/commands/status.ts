import { collectStatus } from "../../lab/observe/status.ts";
import { DEFAULT_KIND } from "../../lab/runtime/registry.ts";
import { COMMON_OPTIONS, type Command, EXIT, parse } from "../cli-kit.ts";
import { whileWaiting } from "../spin.ts";
import { chooseKind, KIND_OPTIONS, loadForCommand } from "./load.ts";

export const status: Command = {
  name: "status",
  summary: "daemons, BGP sessions, 10.42 routes, ZeroTier relay impairment and counters",
  usage: "lab status [--topology FILE] [--name LAB] [--runtime netns|clab] [--json]",
  async run(argv, ctx) {
    const { values } = parse(this, argv, { ...COMMON_OPTIONS, runtime: KIND_OPTIONS.runtime });
    const { kind, options } = await chooseKind(values);
    const handle = kind.open(await loadForCommand(values), options);
    if (!handle.isUp()) {
      // The default kind's answer has no runtime field, as before there were kinds.
      const runtime = kind.name === DEFAULT_KIND ? {} : { runtime: kind.name };
      if (values.json) ctx.out(JSON.stringify({ lab: handle.lab.name, ...runtime, running: false }));
      else ctx.out(`${kind.labTitle} ${handle.lab.name} is not running (start it with: ${kind.startHint})`);
      return EXIT.failure;
    }
    const s = await whileWaiting(`reading ${kind.labTitle} ${handle.lab.name}`, () => collectStatus(handle));
    ctx.out(values.json ? JSON.stringify({ running: true, ...s.data }, null, 2) : s.text);
    return EXIT.ok;
  },
};
