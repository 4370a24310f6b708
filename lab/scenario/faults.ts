// Fault bookkeeping, once for every runtime: what a scenario's fault step does through the lab
// handle's fault actions, the line it leaves in the event stream, how the engine undoes it (on
// success, failure and Ctrl-C), and whether the lab can be put back in place at all (a node
// that joined or left cannot: the lab is marked dirty and the next scenario starts fresh).
import type { LabHandle } from "../runtime/kind.ts";
import type { Lab } from "../topology/model.ts";
import { LabError } from "../util/errors.ts";
import { DEFAULT_AGENT_BOOT_MS } from "./agent-boot.ts";
import type { Fault } from "./model.ts";

export interface FaultOutcome {
  /** One line for the event stream. */
  detail: string;
  revert?: () => Promise<void>;
  /** The lab cannot be put back in place; the next scenario starts fresh. */
  dirty?: boolean;
  /** The lab grew (node added): later steps see the new node. */
  lab?: Lab;
}

export function faultTarget(f: Fault): string {
  switch (f.kind) {
    case "link":
      if ("between" in f) return `zt ${f.between[0]}<->${f.between[1]}`;
      return `zt${"direction" in f && f.direction ? ` ${f.direction}` : ""}`;
    case "router":
      return f.router;
    case "speaker":
      return f.node;
    case "node":
      return f.action === "add" ? f.node.name : f.node;
    case "lab":
      return "lab";
  }
}

/** Why a handle cannot inject a fault at all (a kind without node joins), else undefined. */
export function unsupportedFault(h: LabHandle, f: Fault): string | undefined {
  if (f.kind === "link" && "between" in f)
    return h.faults.linkDownBetween && h.faults.linkUpBetween
      ? undefined
      : `link ${f.action} between two routers: the ${h.kind.name} runtime cannot cut one pair of routers while both keep their paths to the others; run it on a runtime that can`;
  if (f.kind === "link" && (f.action === "direct-down" || f.action === "direct-up"))
    return h.faults.linkDirectDown && h.faults.linkDirectUp
      ? undefined
      : `link ${f.action}: the ${h.kind.name} runtime has no separate direct and relayed ZeroTier paths; run it on a runtime that has`;
  if (f.kind === "link" && f.action === "restart")
    return h.faults.ztRemove && h.faults.ztRecreate
      ? undefined
      : `link restart: the ${h.kind.name} runtime cannot remove and recreate zt0; run it on a runtime that can`;
  if (f.kind !== "node") return undefined;
  const can = f.action === "add" ? h.faults.addNode : h.faults.removeNode;
  return can
    ? undefined
    : `node ${f.action}: the ${h.kind.name} runtime cannot ${f.action === "add" ? "join a new node to" : "remove a node from"} a running lab; run it on a runtime that can`;
}

/** Injects a fault and says how to undo it. */
export async function applyFault(h: LabHandle, f: Fault): Promise<FaultOutcome> {
  const act = h.faults;
  switch (f.kind) {
    case "link": {
      if ("between" in f) return pairFault(h, f);
      switch (f.action) {
        case "impair": {
          const how = await act.linkImpair(f.direction, f.impairment);
          return {
            detail: `impair ${JSON.stringify(f.impairment)} (${f.direction})${how ? `: ${how}` : ""}`,
            revert: () => act.linkClearImpairment(f.direction),
          };
        }
        case "reset":
          return { detail: `reset${suffix(await act.linkReset())}` };
        case "down": {
          const how = await act.linkDown(f.direction);
          return {
            detail: `down${f.direction ? ` ${f.direction}` : ""}${suffix(how)}`,
            revert: () => act.linkUp(f.direction),
          };
        }
        case "up":
          await act.linkUp(f.direction);
          return { detail: "up" };
        case "restart":
          return restartZerotier(h, f.forMs);
        case "direct-down":
        case "direct-up": {
          const why = unsupportedFault(h, f);
          if (why || !act.linkDirectDown || !act.linkDirectUp) throw new LabError(why ?? "unsupported");
          const up = act.linkDirectUp.bind(act);
          if (f.action === "direct-up") {
            await up(f.direction);
            return { detail: `direct path up${f.direction ? ` ${f.direction}` : ""}` };
          }
          const how = await act.linkDirectDown(f.direction);
          return {
            detail: `direct path down${f.direction ? ` ${f.direction}` : ""}${suffix(how)}`,
            revert: () => up(f.direction),
          };
        }
      }
      break;
    }
    case "router": {
      const router = f.router;
      const restart = async () => {
        if (!(await act.birdRunning(router))) await act.startBird(router);
      };
      switch (f.action) {
        case "kill":
          return { detail: await act.killBird(router), revert: restart };
        case "stop":
          return { detail: await act.stopBird(router), revert: restart };
        case "start":
          await act.startBird(router);
          return { detail: "BIRD started" };
        case "reconfigure": {
          const answer = await act.configureBird(router, f.config);
          const original = h.lab.routers.find((r) => r.name === router)?.birdConf;
          if (!original) throw new LabError(`no router named ${router} in lab ${h.lab.name}`);
          return {
            detail: `configure ${f.config}: ${answer}`,
            revert: async () => void (await act.configureBird(router, original)),
          };
        }
      }
      break;
    }
    case "speaker": {
      if (f.action === "start")
        return { detail: await act.startSpeaker(f.node, undefined, f.bootMs ?? DEFAULT_AGENT_BOOT_MS) };
      const stopped = await act.stopSpeaker(f.node, f.action === "kill" ? "kill" : "stop");
      // The revert is clean-up (also on Ctrl-C), measured by nothing: no boot to wait.
      return {
        detail: stopped.detail,
        revert: async () => void (await act.startSpeaker(f.node, stopped.token)),
      };
    }
    case "node": {
      const why = unsupportedFault(h, f);
      if (why) throw new LabError(why);
      if (f.action === "remove") {
        await act.removeNode?.(f.node);
        return { detail: "node removed (daemons stopped, namespaces deleted)", dirty: true };
      }
      const lab = (await act.addNode?.(f.node)) as Lab;
      const site = lab.sites.find((s) => s.name === f.node.site);
      const answer = site ? await act.configureBird(site.router, f.routerConfig) : "no router";
      return {
        detail: `node ${f.node.name} joined ${f.node.site} (${f.node.podCIDR}); ${site?.router}: ${answer}`,
        dirty: true,
        lab,
      };
    }
    case "lab":
      return { detail: "lab up" };
  }
  return { detail: "" };
}

/** The path between two routers only, both ways: down (reverted by up) or up. */
async function pairFault(
  h: LabHandle,
  f: Extract<Fault, { kind: "link"; between: [string, string] }>,
): Promise<FaultOutcome> {
  const act = h.faults;
  const why = unsupportedFault(h, f);
  if (why || !act.linkDownBetween || !act.linkUpBetween) throw new LabError(why ?? "unsupported");
  const up = act.linkUpBetween.bind(act);
  const pair = `${f.between[0]}<->${f.between[1]}`;
  if (f.action === "up") {
    await up(f.between);
    return { detail: `up ${pair}` };
  }
  const how = await act.linkDownBetween(f.between);
  return { detail: `down ${pair}${suffix(how)}`, revert: () => up(f.between) };
}

/** zt0 goes now and comes back after `forMs` while the scenario goes on, as zerotier-one
 * restarting does; the revert brings it back at once if the scenario ends (or fails) first. */
async function restartZerotier(h: LabHandle, forMs: number): Promise<FaultOutcome> {
  const act = h.faults;
  const why = unsupportedFault(h, { kind: "link", action: "restart", forMs });
  if (why || !act.ztRemove || !act.ztRecreate) throw new LabError(why ?? "link restart unsupported");
  const recreateNow = act.ztRecreate.bind(act);
  const how = await act.ztRemove();
  let back: Promise<string> | undefined;
  const recreate = () => {
    back ??= recreateNow();
    return back;
  };
  // A failure here surfaces in the revert, which awaits the same promise.
  const timer = setTimeout(() => void recreate().catch(() => undefined), forMs);
  return {
    detail: `zerotier-one restart: ${how}, back after ${forMs / 1000} s`,
    revert: async () => {
      clearTimeout(timer);
      await recreate();
    },
  };
}

const suffix = (how: string) => (how ? ` (${how})` : "");
