// Faults a scenario injects into a running clab lab, each with how to undo it:
//   link down/up   nftables drops on zt0's ingress in the router containers (zt-fault.ts): the
//                  interfaces stay up, as in a real ZeroTier outage
//   link impair    `containerlab tools netem` on zt0 of the sending router(s) (egress only);
//                  bursty loss and duplication, which its flags lack, with tc netem (netem-tc.ts)
//   router         BIRD inside the router container: SIGKILL, `birdc down`, started again by
//                  exec with the lab wrapper; reconfigure copies the file in and `birdc configure`s
//   speaker        the node's Cilium agent pod deleted (forced or graceful); the DaemonSet
//                  starts a new one at once, so "start" waits until it is Ready
// Node joins and removals are refused before a scenario runs (ClabDriver.unsupported).
import { readFileSync } from "node:fs";
import {
  BIRD_CONF_IN_CONTAINER,
  BIRD_SOCKET_IN_CONTAINER,
  BIRD_WRAPPER_IN_CONTAINER,
  ROUTER_ZT_IF,
} from "../../render/clab.ts";
import type { CiliumAgents } from "../../runtime/clab/cilium-agent.ts";
import { type ClabControl, clabContainer } from "../../runtime/clab/control.ts";
import type { ImpairmentStore } from "../../runtime/clab/impairment-store.ts";
import { needsTcNetem, tcNetemArgv, tcNetemResetArgv } from "../../runtime/clab/netem-tc.ts";
import type { ExternalTools } from "../../runtime/clab/tools.ts";
import { netemArgv, ztDown, ztUp } from "../../runtime/clab/zt-fault.ts";
import type { Lab } from "../../topology/model.ts";
import { LabError } from "../../util/errors.ts";
import type { FaultOutcome } from "../driver.ts";
import type { Fault } from "../model.ts";

/** Where a variant's config and its wrapper go inside a router container. */
export const VARIANT_CONF_IN_CONTAINER = "/etc/bird/variant/bird.conf";
export const VARIANT_WRAPPER_IN_CONTAINER = "/etc/bird/variant/lab.conf";

export interface ClabFaultContext {
  lab: Lab;
  control: ClabControl;
  tools: ExternalTools;
  agents: CiliumAgents;
  /** Kubernetes node name of a topology node. */
  k8sNode(node: string): string;
  /** What each router's zt0 egress is impaired with now (netem replaces; the relay merges). */
  impairments: ImpairmentStore;
  /** Copies a file into a container (dockerode putArchive). */
  putFile(element: string, path: string, content: string): Promise<void>;
}

/** The routers at each end of a direction: "both", or "<site>-><site>" (the relay's names). */
export function directionRouters(lab: Lab, direction: string | undefined): { from: string[]; to: string[] } {
  const all = lab.routers.map((r) => r.name);
  if (!direction || direction === "both") return { from: all, to: all };
  const [a, b] = direction.split("->");
  const routerOf = (site: string | undefined) => {
    const r = lab.sites.find((s) => s.name === site)?.router;
    if (!r) throw new LabError(`direction ${direction}: no site named ${site}`);
    return r;
  };
  return { from: [routerOf(a)], to: [routerOf(b)] };
}

/** The router image has no procps (pkill), but pidof (sysvinit-utils). */
export const KILL_BIRD = ["sh", "-c", "kill -KILL $(pidof bird)"];

export function startBirdArgv(config: string): string[] {
  return ["bird", "-c", config, "-s", BIRD_SOCKET_IN_CONTAINER];
}

/** The lab wrapper of a variant: the same logging, including the variant instead of the real file. */
export function variantWrapper(original: string): string {
  return original.replace(/^include "[^"]*";$/m, `include "${VARIANT_CONF_IN_CONTAINER}";`);
}

async function birdRunning(ctx: ClabFaultContext, router: string): Promise<boolean> {
  const r = await ctx.control.birdc(router, ["show", "status"], { timeoutMs: 5000 }).catch(() => undefined);
  return (
    r !== undefined && r.exitCode === 0 && /BIRD [\d.]+/.test(r.stdout) && !/Unable to connect/.test(r.stdout)
  );
}

async function execOk(ctx: ClabFaultContext, element: string, argv: string[], what: string): Promise<string> {
  const r = await ctx.control.exec(element, argv, { timeoutMs: 15_000 });
  if (r.exitCode !== 0)
    throw new LabError(`${what} in ${element}: ${(r.stderr || r.stdout).trim() || `exit ${r.exitCode}`}`);
  return r.stdout.trim();
}

/** Names the config BIRD runs when it is not the lab wrapper, so a restart keeps the variant
 * (kept in the container, not in this process: the next `lab run` sees it too). */
export const ACTIVE_CONFIG_MARKER = "/etc/bird/variant/active";

async function activeConfig(ctx: ClabFaultContext, router: string): Promise<string> {
  const r = await ctx.control.exec(router, ["cat", ACTIVE_CONFIG_MARKER], { timeoutMs: 5000 });
  return r.exitCode === 0 && r.stdout.trim() ? r.stdout.trim() : BIRD_WRAPPER_IN_CONTAINER;
}

async function startBird(ctx: ClabFaultContext, router: string): Promise<void> {
  await execOk(ctx, router, startBirdArgv(await activeConfig(ctx, router)), "start BIRD");
}

/** `birdc configure` to a config inside the container; BIRD's answer, or an error naming it. */
async function configure(ctx: ClabFaultContext, router: string, config: string): Promise<string> {
  const out = await execOk(
    ctx,
    router,
    ["birdc", "-s", BIRD_SOCKET_IN_CONTAINER, "configure", `"${config}"`],
    "birdc configure",
  );
  const answer = out
    .split("\n")
    .filter((l) => !/^BIRD [\d.]+ ready\.$/.test(l))
    .join(" ")
    .trim();
  if (!/Reconfigured|Reconfiguration in progress|queued/i.test(answer))
    throw new LabError(`${router} refused ${config}: ${answer}`);
  if (config === BIRD_WRAPPER_IN_CONTAINER)
    await execOk(ctx, router, ["rm", "-f", ACTIVE_CONFIG_MARKER], "forget the variant");
  else await ctx.putFile(router, ACTIVE_CONFIG_MARKER, `${config}\n`);
  return answer;
}

/** Puts a bird.conf (host path) into a router as the variant and makes BIRD run it. */
export async function reconfigureRouter(
  ctx: ClabFaultContext,
  router: string,
  hostFile: string,
): Promise<string> {
  const content = readFileSync(hostFile, "utf8");
  // The real file stays bound at its place: back to it is a configure of the lab wrapper.
  const bound = await execOk(ctx, router, ["cat", BIRD_CONF_IN_CONTAINER], "read the real bird.conf");
  if (bound === content.trim()) return configure(ctx, router, BIRD_WRAPPER_IN_CONTAINER);
  const wrapper = await execOk(ctx, router, ["cat", BIRD_WRAPPER_IN_CONTAINER], "read the lab wrapper");
  await ctx.putFile(router, VARIANT_CONF_IN_CONTAINER, content);
  await ctx.putFile(router, VARIANT_WRAPPER_IN_CONTAINER, `${variantWrapper(wrapper)}\n`);
  return configure(ctx, router, VARIANT_WRAPPER_IN_CONTAINER);
}

/** No netem on a router's zt0, whichever way it was set; "nothing to delete" is fine. */
async function resetNetem(ctx: ClabFaultContext, router: string): Promise<void> {
  await ctx.control.exec(router, tcNetemResetArgv(ROUTER_ZT_IF), { timeoutMs: 10_000 });
  ctx.impairments.set(router, undefined);
}

export async function applyClabFault(ctx: ClabFaultContext, f: Fault): Promise<FaultOutcome> {
  const { lab } = ctx;
  switch (f.kind) {
    case "link": {
      const ends = directionRouters(lab, f.direction);
      if (f.action === "impair") {
        // Like the relay, a change adds to what the end already has (delay stays when a burst comes).
        const applied: string[] = [];
        for (const r of ends.from) {
          const imp = { ...ctx.impairments.get(r), ...f.impairment };
          const viaTc = needsTcNetem(imp);
          if (viaTc) await execOk(ctx, r, tcNetemArgv(ROUTER_ZT_IF, imp), "tc netem");
          else await ctx.tools.run({ argv: netemArgv(clabContainer(lab.name, r), ROUTER_ZT_IF, imp) });
          ctx.impairments.set(r, imp);
          applied.push(`${r}: ${viaTc ? "tc netem" : "containerlab tools netem"} ${JSON.stringify(imp)}`);
        }
        return {
          detail: `on zt0 of ${applied.join("; ")}`,
          revert: async () => {
            for (const r of ends.from) await resetNetem(ctx, r);
          },
        };
      }
      if (f.action === "reset") {
        const all = lab.routers.map((r) => r.name);
        for (const r of all) await resetNetem(ctx, r);
        await ztUp(ctx.control, all);
        return { detail: "reset (netem removed, drops removed)" };
      }
      if (f.action === "down") {
        // Dropped where packets arrive: a one-way cut keeps the other direction flowing.
        await ztDown(ctx.control, ends.to);
        return {
          detail: `down${f.direction ? ` ${f.direction}` : ""} (silent: zt0 stays up; nftables drops on ${ends.to.join(", ")})`,
          revert: () => ztUp(ctx.control, ends.to),
        };
      }
      await ztUp(ctx.control, ends.to);
      return { detail: "up" };
    }
    case "router": {
      const restart = async () => {
        if (!(await birdRunning(ctx, f.router))) await startBird(ctx, f.router);
      };
      switch (f.action) {
        case "kill":
          await execOk(ctx, f.router, KILL_BIRD, "kill BIRD");
          return { detail: "BIRD killed (SIGKILL) in its container", revert: restart };
        case "stop":
          await execOk(ctx, f.router, ["birdc", "-s", BIRD_SOCKET_IN_CONTAINER, "down"], "birdc down");
          return { detail: "BIRD stopped gracefully (birdc down)", revert: restart };
        case "start":
          await startBird(ctx, f.router);
          return { detail: "BIRD started" };
        case "reconfigure": {
          const answer = await reconfigureRouter(ctx, f.router, f.config);
          const original = lab.routers.find((r) => r.name === f.router)?.birdConf as string;
          return {
            detail: `configure ${f.config}: ${answer}`,
            revert: async () => void (await reconfigureRouter(ctx, f.router, original)),
          };
        }
      }
      break;
    }
    case "speaker": {
      const node = ctx.k8sNode(f.node);
      if (f.action === "start") {
        const pod = await ctx.agents.waitReady(node, 180_000);
        return { detail: `Cilium agent ${pod} Ready` };
      }
      const old = await ctx.agents.restart(node, f.action === "kill" ? "kill" : "graceful");
      return {
        detail: `Cilium agent ${old} ${f.action === "kill" ? "deleted at once (grace 0)" : "deleted gracefully"}; the DaemonSet starts a new one`,
        revert: async () => void (await ctx.agents.waitReady(node, 180_000, old)),
      };
    }
    case "node":
      throw new LabError("the clab runtime cannot add or remove nodes at run time");
    case "lab":
      return { detail: "lab up" };
  }
  return { detail: "" };
}
