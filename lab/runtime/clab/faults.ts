// The clab runtime's fault actions (which faults are reverted and how is decided once, in
// lab/scenario/faults.ts):
//   link down/up   nftables drops on zt0's ingress in the receiving router containers, of what
//                  the cut senders send (zt-fault.ts): the interfaces stay up, as in a real
//                  ZeroTier outage; one direction or one pair of routers leaves the others alone
//   link impair    `containerlab tools netem` on zt0 of the sending router(s) (egress only);
//                  bursty loss and duplication, which its flags lack, with tc netem (netem-tc.ts);
//                  clearing or resetting returns to the topology's path (wan-baseline.ts)
//   router         BIRD inside the router container: SIGKILL, `birdc down`, started again by
//                  exec with the lab wrapper; reconfigure copies the file in and `birdc configure`s
//   speaker        the node's Cilium agent pod deleted (forced or graceful); the DaemonSet
//                  starts a new one at once, so "start" waits until it is Ready
// Node joins and removals are not offered: containerlab cannot wire a container into a deployed
// topology, so scenarios with them are refused before they run.
import { readFileSync } from "node:fs";
import type { Impairment } from "../../emulate/zerotier/impairment.ts";
import {
  BIRD_CONF_IN_CONTAINER,
  BIRD_SOCKET_IN_CONTAINER,
  BIRD_WRAPPER_IN_CONTAINER,
  ROUTER_ZT_IF,
} from "../../render/clab.ts";
import type { Lab } from "../../topology/model.ts";
import { LabError } from "../../util/errors.ts";
import type { NetemSupport } from "../../util/netem.ts";
import type { FaultActions } from "../kind.ts";
import { pairDirections } from "../link-directions.ts";
import type { CiliumAgents } from "./cilium-agent.ts";
import { type ClabControl, clabContainer } from "./control.ts";
import type { ImpairmentStore } from "./impairment-store.ts";
import { needsTcNetem, tcNetemArgv, tcNetemResetArgv } from "./netem-tc.ts";
import type { ExternalTools } from "./tools.ts";
import { routerBaselines } from "./wan-baseline.ts";
import { netemArgv, type ZtCut, ztClear, ztCut, ztMend } from "./zt-fault.ts";

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
  /** Whether the kernel has sch_netem (every impairment is a netem qdisc). */
  netem(): NetemSupport;
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

/** A direction as the (sender, receiver) pairs it cuts: "both" is every ordered pair. */
export function directionCuts(lab: Lab, direction: string | undefined): ZtCut[] {
  const { from, to } = directionRouters(lab, direction);
  return from.flatMap((f) => to.filter((t) => t !== f).map((t) => ({ from: f, to: t })));
}

/** Both directions between two routers of the lab. */
export function pairCuts(lab: Lab, routers: readonly [string, string]): ZtCut[] {
  return pairDirections(lab, routers).flatMap((d) => directionCuts(lab, d));
}

function describeCuts(cuts: readonly ZtCut[]): string {
  return `silent: zt0 stays up; nftables drops ${cuts.map((c) => `${c.from}->${c.to}`).join(", ")} where it arrives`;
}

/** pidof (sysvinit-utils) is in every Debian image: a router image without procps works too. */
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

/** Merges an impairment into what the router's zt0 egress has, with netem (which replaces). */
async function impair(ctx: ClabFaultContext, r: string, impairment: Partial<Impairment>): Promise<string> {
  const imp = { ...ctx.impairments.get(r), ...impairment };
  const viaTc = needsTcNetem(imp);
  if (viaTc) await execOk(ctx, r, tcNetemArgv(ROUTER_ZT_IF, imp), "tc netem");
  else await ctx.tools.run({ argv: netemArgv(clabContainer(ctx.lab.name, r), ROUTER_ZT_IF, imp) });
  ctx.impairments.set(r, imp);
  return `${r}: ${viaTc ? "tc netem" : "containerlab tools netem"} ${JSON.stringify(imp)}`;
}

/** Back to the topology's path (zerotier.paths) on a router's zt0, or to none without one. */
async function toBaseline(ctx: ClabFaultContext, r: string): Promise<void> {
  await resetNetem(ctx, r);
  const baseline = routerBaselines(ctx.lab).byRouter.get(r);
  if (baseline) await impair(ctx, r, baseline);
}

export function clabFaultActions(ctx: ClabFaultContext): FaultActions {
  const { lab } = ctx;
  const cut = async (cuts: ZtCut[]) => {
    await ztCut(ctx.control, cuts);
    return describeCuts(cuts);
  };
  return {
    // Dropped where packets arrive, by sender: a one-way cut keeps the other direction flowing,
    // and a cut between two routers keeps their paths to the others.
    linkDown: (direction) => cut(directionCuts(lab, direction)),
    linkUp: (direction) => ztMend(ctx.control, directionCuts(lab, direction)),
    linkDownBetween: (routers) => cut(pairCuts(lab, routers)),
    linkUpBetween: (routers) => ztMend(ctx.control, pairCuts(lab, routers)),
    // Like the relay, a change adds to what the end already has (delay stays when a burst comes).
    async linkImpair(direction, impairment) {
      // Refused before anything changes: a half-applied impairment would skew both directions.
      const netem = ctx.netem();
      if (netem.state === "absent")
        throw new LabError(
          `cannot impair zt0: ${netem.why}`,
          `${netem.fix}; the netns runtime needs no netem`,
        );
      const applied: string[] = [];
      for (const r of directionRouters(lab, direction).from) applied.push(await impair(ctx, r, impairment));
      return `on zt0 of ${applied.join("; ")}`;
    },
    async linkClearImpairment(direction) {
      for (const r of directionRouters(lab, direction).from) await toBaseline(ctx, r);
    },
    async linkReset() {
      const all = lab.routers.map((r) => r.name);
      for (const r of all) await toBaseline(ctx, r);
      await ztClear(ctx.control, all);
      return "netem back to the topology's path (zerotier.paths), drops removed";
    },
    async killBird(router) {
      await execOk(ctx, router, KILL_BIRD, "kill BIRD");
      return "BIRD killed (SIGKILL) in its container";
    },
    async stopBird(router) {
      await execOk(ctx, router, ["birdc", "-s", BIRD_SOCKET_IN_CONTAINER, "down"], "birdc down");
      return "BIRD stopped gracefully (birdc down)";
    },
    startBird: (router) => startBird(ctx, router),
    birdRunning: (router) => birdRunning(ctx, router),
    configureBird: (router, file) => reconfigureRouter(ctx, router, file),
    async stopSpeaker(node, how) {
      const old = await ctx.agents.restart(ctx.k8sNode(node), how === "kill" ? "kill" : "graceful");
      return {
        detail: `Cilium agent ${old} ${how === "kill" ? "deleted at once (grace 0)" : "deleted gracefully"}; the DaemonSet starts a new one`,
        token: old,
      };
    },
    // The DaemonSet starts agents by itself: "start" waits until the new one is Ready.
    async startSpeaker(node, replaced) {
      const pod = await ctx.agents.waitReady(ctx.k8sNode(node), 180_000, replaced);
      return `Cilium agent ${pod} Ready`;
    },
  };
}
