import { parseDirection, parseImpairmentArgs } from "../../lab/emulate/zerotier/args.ts";
import type { RelayRequest } from "../../lab/emulate/zerotier/control.ts";
import type { LabHandle } from "../../lab/runtime/kind.ts";
import { parseDuration } from "../../lab/util/duration.ts";
import { type Command, EXIT, UsageError } from "../cli-kit.ts";
import { chooseKind, loadForCommand, requireUp } from "./load.ts";

const USAGE = `lab link zt show [--json]
       lab link zt set [--delay 30ms] [--jitter 5ms] [--reorder] [--loss 1%] [--burst P,R,LOSS] [--rate 10mbit] [--duplicate 0.5%] [--direction home->mine|both]
       lab link zt down|up [--direction home->mine|both]     (down = silent blackhole, the interfaces stay up)
       lab link zt direct-down|direct-up [--direction home->mine|both]   (the direct path dies, roots still reachable)
       lab link zt root --delay 20ms                           (what the root adds to a relayed path, each way)
       lab link zt reset                                       (back to the topology's path and the root's delay, counters kept)
  common: [--topology FILE] [--name LAB] [--runtime netns|clab]
  clab: down/up are nftables drops on zt0's ingress (zt0 stays up); set is containerlab tools
        netem (tc netem for --burst and --duplicate) on the sending end; show reads both ends`;

export const link: Command = {
  name: "link",
  summary: "show, impair, cut or heal the emulated ZeroTier link",
  usage: USAGE,
  async run(argv, ctx) {
    // Topology flags may appear anywhere; the rest belongs to the link grammar.
    const rest: string[] = [];
    const sel: { topology?: string; name?: string } = {};
    let json = false;
    let runtime: string | undefined;
    for (let i = 0; i < argv.length; i++) {
      const w = argv[i] as string;
      if (w === "--topology" || w === "-t" || w === "--name" || w === "--runtime") {
        const v = argv[++i];
        if (v === undefined) throw new UsageError(`${w} needs a value`, `usage: ${USAGE}`);
        if (w === "--name") sel.name = v;
        else if (w === "--runtime") runtime = v;
        else sel.topology = v;
      } else if (w === "--json") json = true;
      else rest.push(w);
    }
    const [which, op, ...flags] = rest;
    if (which !== "zt")
      throw new UsageError(
        `unknown link "${which ?? ""}"`,
        `the lab has one emulated link, zt (ZeroTier)\nusage: ${USAGE}`,
      );
    const { kind, options } = await chooseKind({ runtime });
    const handle = kind.open(await loadForCommand(sel), options);
    const lab = handle.lab;
    const sites = lab.sites.map((s) => s.name);
    let request: RelayRequest;
    switch (op) {
      case "show":
        if (flags.length) throw new UsageError(`link zt show takes no flags`, `usage: ${USAGE}`);
        request = { op: "show" };
        break;
      case "set": {
        const parsed = parseImpairmentArgs(flags, sites);
        if (Object.keys(parsed.impairment).length === 0)
          throw new UsageError("link zt set needs at least one impairment flag", `usage: ${USAGE}`);
        request = { op: "set", direction: parsed.direction, impairment: parsed.impairment };
        break;
      }
      case "down":
      case "up":
      case "direct-down":
      case "direct-up": {
        const direction = directionFlag(flags, sites);
        request = direction ? { op, direction } : { op };
        break;
      }
      case "root":
        request = { op: "root", delayMs: rootDelayFlag(flags) };
        break;
      case "reset":
        request = { op: "reset" };
        break;
      default:
        throw new UsageError(`unknown link operation "${op ?? ""}"`, `usage: ${USAGE}`);
    }
    requireUp(handle);
    await applyLink(handle, request);
    const state = await handle.linkState();
    ctx.out(json ? JSON.stringify(state.data, null, 2) : state.text);
    return EXIT.ok;
  },
};

/** The operation through the lab's fault actions; unlike a scenario's faults, never reverted. */
async function applyLink(h: LabHandle, request: RelayRequest): Promise<void> {
  switch (request.op) {
    case "set":
      await h.faults.linkImpair(request.direction, request.impairment);
      return;
    case "down":
      await h.faults.linkDown(request.direction);
      return;
    case "up":
      await h.faults.linkUp(request.direction);
      return;
    case "reset":
      await h.faults.linkReset();
      return;
    case "direct-down":
    case "direct-up": {
      const f = h.faults;
      if (!f.linkDirectDown || !f.linkDirectUp)
        throw new UsageError(
          `link zt ${request.op}: the ${h.kind.name} runtime has no separate direct and relayed paths`,
          "run it on the netns runtime",
        );
      if (request.op === "direct-down") await f.linkDirectDown(request.direction);
      else await f.linkDirectUp(request.direction);
      return;
    }
    case "root":
      if (!h.faults.linkRootDelay)
        throw new UsageError(
          `link zt root: the ${h.kind.name} runtime relays nothing through a root`,
          "run it on the netns runtime",
        );
      await h.faults.linkRootDelay(request.delayMs);
      return;
    default:
      return;
  }
}

/** `--delay 20ms`: what the root adds each way, from 0 to 60 s as the relay takes it. */
function rootDelayFlag(flags: string[]): number {
  const [flag, value, ...extra] = flags;
  const d = value === undefined ? null : parseDuration(value);
  if (flag !== "--delay" || !d || extra.length)
    throw new UsageError(
      `link zt root needs --delay, got ${flags.join(" ") || "nothing"}`,
      "e.g. --delay 20ms",
    );
  const ms = d.ok ? (d.ms ?? (d.value === 0 ? 0 : null)) : null;
  if (ms === null || ms > 60_000)
    throw new UsageError(
      `--delay ${value}: ${d.ok ? "needs a unit, from 0 to 60s" : d.why}`,
      "e.g. --delay 20ms",
    );
  return ms;
}

function directionFlag(flags: string[], sites: string[]): string | undefined {
  if (flags.length === 0) return undefined;
  const [flag, value, ...extra] = flags;
  if (flag !== "--direction" || value === undefined || extra.length)
    throw new UsageError(`unexpected ${flags.join(" ")}`, "only --direction FROM->TO or --direction both");
  return parseDirection("--direction", value, sites);
}
