import { parseDirection, parseImpairmentArgs } from "../../lab/emulate/zerotier/args.ts";
import { type RelayRequest, relayRequest } from "../../lab/emulate/zerotier/control.ts";
import { formatRelayStatus } from "../../lab/emulate/zerotier/format.ts";
import { formatZtStatus } from "../../lab/runtime/clab/link-status.ts";
import { workPaths } from "../../lab/runtime/workdir.ts";
import type { Fault } from "../../lab/scenario/model.ts";
import type { Lab } from "../../lab/topology/model.ts";
import { type Command, EXIT, UsageError } from "../cli-kit.ts";
import { loadForCommand, requireClabLab } from "./load.ts";
import { runtimeChoice } from "./up.ts";

const USAGE = `lab link zt show [--json]
       lab link zt set [--delay 30ms] [--jitter 5ms] [--reorder] [--loss 1%] [--burst P,R,LOSS] [--rate 10mbit] [--duplicate 0.5%] [--direction home->mine|both]
       lab link zt down|up [--direction home->mine|both]     (down = silent blackhole, the interfaces stay up)
       lab link zt reset                                       (no impairment, counters kept)
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
    const choice = runtimeChoice(runtime === undefined ? {} : { runtime });
    const lab = await loadForCommand(sel);
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
      case "up": {
        const direction = directionFlag(flags, sites);
        request = direction ? { op, direction } : { op };
        break;
      }
      case "reset":
        request = { op: "reset" };
        break;
      default:
        throw new UsageError(`unknown link operation "${op ?? ""}"`, `usage: ${USAGE}`);
    }
    if (choice.name === "clab") return clabLink(lab, request, json, ctx.out);
    const reply = await relayRequest(workPaths(lab.name).relaySocket, request);
    ctx.out(json ? JSON.stringify(reply.status, null, 2) : formatRelayStatus(reply.status));
    return EXIT.ok;
  },
};

/** The same operations on a clab lab, through its scenario driver's link faults (not reverted). */
async function clabLink(
  lab: Lab,
  request: RelayRequest,
  json: boolean,
  out: (s: string) => void,
): Promise<number> {
  requireClabLab(lab);
  const { ClabDriver } = await import("../../lab/scenario/drivers/clab.ts");
  const driver = new ClabDriver();
  const fault = linkFault(request);
  if (fault) await driver.fault(lab, fault);
  const ends = await driver.linkStatus(lab);
  out(json ? JSON.stringify({ runtime: "clab", ends }, null, 2) : formatZtStatus(ends));
  return EXIT.ok;
}

/** The relay request as the scenario fault that does the same; show changes nothing. */
function linkFault(request: RelayRequest): Fault | undefined {
  switch (request.op) {
    case "set":
      return { kind: "link", action: "impair", direction: request.direction, impairment: request.impairment };
    case "down":
    case "up":
      return {
        kind: "link",
        action: request.op,
        ...(request.direction ? { direction: request.direction } : {}),
      };
    case "reset":
      return { kind: "link", action: "reset" };
    default:
      return undefined;
  }
}

function directionFlag(flags: string[], sites: string[]): string | undefined {
  if (flags.length === 0) return undefined;
  const [flag, value, ...extra] = flags;
  if (flag !== "--direction" || value === undefined || extra.length)
    throw new UsageError(`unexpected ${flags.join(" ")}`, "only --direction FROM->TO or --direction both");
  return parseDirection("--direction", value, sites);
}
