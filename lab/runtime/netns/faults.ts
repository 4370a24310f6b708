// The netns runtime's fault actions: the ZeroTier relay's impairments and partitions, BIRD and
// gobgpd processes from the journal, nodes joining and leaving. How each fault is reverted is
// decided once, for every runtime, in lab/scenario/faults.ts.
import { setTimeout as sleep } from "node:timers/promises";
import { relayRequest } from "../../emulate/zerotier/control.ts";
import { isAlive } from "../../util/processes.ts";
import type { FaultActions } from "../kind.ts";
import { pairDirections } from "../link-directions.ts";
import { createVxlans, removeVxlans } from "./build.ts";
import {
  addNode,
  killBird,
  latestProcess,
  reconfigureBird,
  removeNode,
  startBirdAgain,
  startSpeakersAgain,
  stopBird,
  stopSpeakers,
} from "./control.ts";
import type { DaemonContext } from "./daemons.ts";

export function netnsFaultActions(ctx: DaemonContext): FaultActions {
  const relay = ctx.paths.relaySocket;
  const alive = (name: string) => {
    const p = latestProcess(ctx, name);
    return p !== undefined && isAlive(p.pid, p.startTime || undefined);
  };
  const direction = (d: string | undefined) => (d ? { direction: d } : {});
  return {
    async linkDown(d) {
      await relayRequest(relay, { op: "down", ...direction(d) });
      return "silent: zt0 stays up";
    },
    async linkUp(d) {
      await relayRequest(relay, { op: "up", ...direction(d) });
    },
    // The relay keeps a partition per direction between two sites: cut both of this pair's.
    async linkDownBetween(routers) {
      for (const d of pairDirections(ctx.lab, routers))
        await relayRequest(relay, { op: "down", direction: d });
      return `silent: zt0 stays up; the relay drops ${pairDirections(ctx.lab, routers).join(" and ")}`;
    },
    async linkUpBetween(routers) {
      for (const d of pairDirections(ctx.lab, routers)) await relayRequest(relay, { op: "up", direction: d });
    },
    async linkImpair(d, impairment) {
      await relayRequest(relay, { op: "set", direction: d, impairment });
      return "";
    },
    // The relay's reset clears every direction's impairment and keeps partitions and counters.
    async linkClearImpairment() {
      await relayRequest(relay, { op: "reset" });
    },
    async linkReset() {
      await relayRequest(relay, { op: "reset" });
      return "";
    },
    async linkRootDelay(ms) {
      await relayRequest(relay, { op: "root", delayMs: ms });
      return `the root adds ${ms} ms each way`;
    },
    async linkDirectDown(d) {
      await relayRequest(relay, { op: "direct-down", ...direction(d) });
      return "roots still reachable: ZeroTier's path rules decide when traffic goes through the root";
    },
    async linkDirectUp(d) {
      await relayRequest(relay, { op: "direct-up", ...direction(d) });
    },
    async ztRemove() {
      const n = await removeVxlans(ctx.plan.vxlans);
      return `zt0 deleted in ${n} of ${ctx.plan.vxlans.length} routers`;
    },
    async ztRecreate() {
      const n = await createVxlans(ctx.plan.vxlans);
      return n > 0 ? `zt0 recreated in ${n} routers` : "zt0 already present";
    },
    async killBird(router) {
      await killBird(ctx, router);
      return "BIRD killed (SIGKILL)";
    },
    async stopBird(router) {
      await stopBird(ctx, router);
      return "BIRD stopped gracefully (birdc down)";
    },
    startBird: (router) => startBirdAgain(ctx, router),
    birdRunning: async (router) => alive(`bird:${router}`),
    configureBird: (router, file) => reconfigureBird(ctx, router, file),
    // The agent stops its speaker without a Cease since cilium/cilium PR 39835 (GoBGP's Stop()
    // sends one, which defeats graceful restart): its sockets close, the kernel sends FIN. gobgpd
    // sends a Cease on SIGTERM (BIRD: "Received: Peer de-configured") and none on SIGKILL (BIRD:
    // "Connection closed"; measured here), so a stop is a SIGKILL too. A kill is a crash: the same
    // on the wire.
    async stopSpeaker(node, how) {
      const n = await stopSpeakers(ctx, node, "SIGKILL");
      return {
        detail:
          how === "kill"
            ? `${n} gobgpd killed (SIGKILL)`
            : `${n} gobgpd stopped as the Cilium agent stops: sockets closed, no Cease (SIGKILL, the kernel sends FIN)`,
      };
    },
    async startSpeaker(node, _token, bootMs = 0) {
      const instances = ctx.lab.nodes.find((n) => n.name === node)?.bgp?.instances ?? [];
      if (instances.some((i) => alive(`gobgpd:${node}:${i.name}`))) return "gobgpd already running";
      // gobgpd is back within milliseconds; the agent it stands in for boots first.
      if (bootMs > 0) await sleep(bootMs);
      await startSpeakersAgain(ctx, node);
      return bootMs > 0 ? `gobgpd started after the agent's boot (${bootMs / 1000} s)` : "gobgpd started";
    },
    addNode: (spec) => addNode(ctx, spec),
    removeNode: (node) => removeNode(ctx, node),
  };
}
