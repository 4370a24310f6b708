import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { checkGuards, formatGuards, guardsHold } from "../../lab/guards/check.ts";
import { loadGuards } from "../../lab/guards/load.ts";
import { formatSnapshot } from "../../lab/snapshot/format.ts";
import { takeSnapshot } from "../../lab/snapshot/index.ts";
import { COMMON_OPTIONS, type Command, EXIT, parse } from "../cli-kit.ts";
import { whileWaiting } from "../spin.ts";
import { chooseKind, KIND_OPTIONS, loadForCommand, requireUp } from "./load.ts";

export const snapshot: Command = {
  name: "snapshot",
  summary:
    "the routing state of a running lab as data (sessions, routes, exports, FIBs, speakers, reachability) and its guards",
  usage: "lab snapshot [--topology FILE] [--name LAB] [--runtime netns|clab] [--json] [--out FILE]",
  async run(argv, ctx) {
    const { values } = parse(this, argv, {
      ...COMMON_OPTIONS,
      runtime: KIND_OPTIONS.runtime,
      out: { type: "string", short: "o" },
    });
    const { kind, options } = await chooseKind(values);
    const lab = await loadForCommand(values);
    // The guards are read before the lab: a typo in guards.yaml is bad input, whatever runs.
    const guards = loadGuards(lab);
    const handle = kind.open(lab, options);
    requireUp(handle);
    const snap = await whileWaiting(`reading ${kind.labTitle} ${handle.lab.name}`, () =>
      takeSnapshot(handle),
    );
    const results = checkGuards(snap, lab, guards);
    const json = `${JSON.stringify(snap, null, 2)}\n`;
    if (values.out) {
      writeFileSync(resolve(values.out), json);
      ctx.err(`snapshot written to ${resolve(values.out)}`);
    }
    if (values.json) ctx.out(json.trimEnd());
    else if (!values.out) ctx.out(formatSnapshot(snap));
    // Guards go to stderr with --json, so stdout stays the snapshot alone.
    (values.json ? ctx.err : ctx.out)(`\nGuards\n${formatGuards(results)}`);
    return guardsHold(results) ? EXIT.ok : EXIT.failure;
  },
};
