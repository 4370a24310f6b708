// The netns runtime's fault actions: the ZeroTier relay's impairments and partitions, BIRD and
// gobgpd processes from the journal, nodes joining and leaving. How each fault is reverted is
// decided once, for every runtime, in lab/scenario/faults.ts.
import { relayRequest } from "../../emulate/zerotier/control.ts";
import { isAlive } from "../../util/processes.ts";
import type { FaultActions } from "../kind.ts";
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
    async stopSpeaker(node, how) {
      const n = await stopSpeakers(ctx, node, how === "kill" ? "SIGKILL" : "SIGTERM");
      return { detail: `${n} gobgpd ${how === "kill" ? "killed (SIGKILL)" : "stopped (SIGTERM)"}` };
    },
    async startSpeaker(node) {
      const instances = ctx.lab.nodes.find((n) => n.name === node)?.bgp?.instances ?? [];
      if (instances.some((i) => alive(`gobgpd:${node}:${i.name}`))) return "gobgpd already running";
      await startSpeakersAgain(ctx, node);
      return "gobgpd started";
    },
    addNode: (spec) => addNode(ctx, spec),
    removeNode: (node) => removeNode(ctx, node),
  };
}
