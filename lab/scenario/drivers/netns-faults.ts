// Faults a scenario injects into a running netns lab: the ZeroTier relay's impairments and
// partitions, BIRD and gobgpd processes, nodes joining and leaving. Each returns how to undo
// it, so the engine can always revert (on success, failure and Ctrl-C); faults that cannot be
// undone in place (a node removed or added) mark the lab dirty, and the next scenario starts
// fresh.
import { relayRequest } from "../../emulate/zerotier/control.ts";
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
} from "../../runtime/netns/control.ts";
import type { DaemonContext } from "../../runtime/netns/daemons.ts";
import { isAlive } from "../../runtime/netns/processes.ts";
import type { FaultOutcome } from "../driver.ts";
import type { Fault } from "../model.ts";

export async function applyNetnsFault(ctx: DaemonContext, f: Fault): Promise<FaultOutcome> {
  const sock = ctx.paths.relaySocket;
  switch (f.kind) {
    case "link": {
      if (f.action === "impair") {
        await relayRequest(sock, { op: "set", direction: f.direction, impairment: f.impairment });
        return {
          detail: `impair ${JSON.stringify(f.impairment)} (${f.direction})`,
          revert: async () => void (await relayRequest(sock, { op: "reset" })),
        };
      }
      if (f.action === "reset") {
        await relayRequest(sock, { op: "reset" });
        return { detail: "reset" };
      }
      const dir = f.direction ? { direction: f.direction } : {};
      await relayRequest(sock, { op: f.action, ...dir });
      return f.action === "down"
        ? {
            detail: `down${f.direction ? ` ${f.direction}` : ""} (silent: zt0 stays up)`,
            revert: async () => void (await relayRequest(sock, { op: "up", ...dir })),
          }
        : { detail: "up" };
    }
    case "router": {
      const restart = async () => {
        const p = latestProcess(ctx, `bird:${f.router}`);
        if (!p || !isAlive(p.pid, p.startTime || undefined)) await startBirdAgain(ctx, f.router);
      };
      switch (f.action) {
        case "kill":
          await killBird(ctx, f.router);
          return { detail: "BIRD killed (SIGKILL)", revert: restart };
        case "stop":
          await stopBird(ctx, f.router);
          return { detail: "BIRD stopped gracefully (birdc down)", revert: restart };
        case "start":
          await startBirdAgain(ctx, f.router);
          return { detail: "BIRD started" };
        case "reconfigure": {
          const answer = await reconfigureBird(ctx, f.router, f.config);
          const original = ctx.lab.routers.find((r) => r.name === f.router)?.birdConf as string;
          return {
            detail: `configure ${f.config}: ${answer}`,
            revert: async () => void (await reconfigureBird(ctx, f.router, original)),
          };
        }
      }
      break;
    }
    case "speaker": {
      const restart = async () => {
        const running = (ctx.lab.nodes.find((n) => n.name === f.node)?.bgp?.instances ?? []).some((i) => {
          const p = latestProcess(ctx, `gobgpd:${f.node}:${i.name}`);
          return p && isAlive(p.pid, p.startTime || undefined);
        });
        if (!running) await startSpeakersAgain(ctx, f.node);
      };
      if (f.action === "start") {
        await startSpeakersAgain(ctx, f.node);
        return { detail: "gobgpd started" };
      }
      const n = await stopSpeakers(ctx, f.node, f.action === "kill" ? "SIGKILL" : "SIGTERM");
      return {
        detail: `${n} gobgpd ${f.action === "kill" ? "killed (SIGKILL)" : "stopped (SIGTERM)"}`,
        revert: restart,
      };
    }
    case "node": {
      if (f.action === "remove") {
        await removeNode(ctx, f.node);
        return { detail: "node removed (daemons stopped, namespaces deleted)", dirty: true };
      }
      const lab = await addNode(ctx, f.node);
      const site = lab.sites.find((s) => s.name === f.node.site);
      const answer = site ? await reconfigureBird({ ...ctx, lab }, site.router, f.routerConfig) : "no router";
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
