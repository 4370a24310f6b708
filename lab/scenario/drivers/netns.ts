// The scenario driver of the netns runtime: BIRD through its control socket, host tools via
// `ip netns exec`, gobgpd's API for the node speakers, faults through the ZeroTier relay and
// the journaled daemons (netns-faults.ts).
import { existsSync } from "node:fs";
import { BirdClient } from "../../bird/client.ts";
import { gobgpNeighbors } from "../../gobgp/cli.ts";
import { gobgpSpeakers } from "../../render/gobgp.ts";
import { daemonContext } from "../../runtime/netns/daemons.ts";
import { netnsDown } from "../../runtime/netns/down.ts";
import { Journal } from "../../runtime/netns/journal.ts";
import { planNetns } from "../../runtime/netns/plan.ts";
import { checkPrerequisites } from "../../runtime/netns/prerequisites.ts";
import { convergenceState, DEFAULT_CONVERGE_BUDGET_MS, netnsUp } from "../../runtime/netns/up.ts";
import type { CheckResult, UpResult } from "../../runtime/runtime.ts";
import { workPaths } from "../../runtime/workdir.ts";
import type { Lab } from "../../topology/model.ts";
import type { Where } from "../../util/exec.ts";
import type { FaultOutcome, LabDriver, RecordEvent, SpeakerNeighbor } from "../driver.ts";
import type { Fault } from "../model.ts";
import { GobgpWatch } from "../sources/gobgp-watch.ts";
import { addressOf, namespaceOf } from "../targets.ts";
import { applyNetnsFault } from "./netns-faults.ts";

export class NetnsDriver implements LabDriver {
  readonly runtime = "netns" as const;
  readonly convergeBudgetMs = DEFAULT_CONVERGE_BUDGET_MS;
  readonly convergeIntervalMs = 500;

  preflight(_lab: Lab): Promise<void> {
    return checkPrerequisites();
  }

  /** The netns runtime runs every step kind. */
  unsupported(): [] {
    return [];
  }

  isUp(lab: Lab): boolean {
    return existsSync(workPaths(lab.name).journal);
  }

  stateDir(lab: Lab): string {
    return workPaths(lab.name).root;
  }

  up(lab: Lab, opts: { budgetMs: number; signal?: AbortSignal }): Promise<UpResult> {
    return netnsUp(lab, opts);
  }

  async down(lab: Lab): Promise<void> {
    await netnsDown(
      workPaths(lab.name),
      planNetns(lab).namespaces.map((n) => n.name),
    );
  }

  convergence(lab: Lab): Promise<CheckResult[]> {
    return convergenceState(lab, workPaths(lab.name));
  }

  /** Pods get the topology's CIDRs here. */
  async podCidrMap(): Promise<Map<string, string>> {
    return new Map();
  }

  async bird(lab: Lab, router: string, command: string): Promise<string> {
    const c = await BirdClient.connect(workPaths(lab.name).birdSocket(router), 2000);
    try {
      return (await c.request(command)).text;
    } finally {
      c.close();
    }
  }

  async enter(lab: Lab, element: string): Promise<Where> {
    return namespaceOf(lab, element);
  }

  async addressOf(lab: Lab, target: string): Promise<string> {
    return addressOf(lab, target);
  }

  async speakerNeighbors(lab: Lab, node: string): Promise<SpeakerNeighbor[]> {
    const n = lab.nodes.find((x) => x.name === node);
    const out: SpeakerNeighbor[] = [];
    for (const s of n ? gobgpSpeakers(n) : []) {
      for (const nb of await gobgpNeighbors(namespaceOf(lab, node), s.apiPort))
        out.push({ address: nb.address, state: nb.state.toLowerCase() });
    }
    return out;
  }

  birdLogFile(lab: Lab, router: string): string {
    return workPaths(lab.name).birdLog(router);
  }

  async watchSpeaker(lab: Lab, node: string, record: RecordEvent): Promise<() => Promise<void>> {
    const n = lab.nodes.find((x) => x.name === node);
    const watches: GobgpWatch[] = [];
    for (const s of n ? gobgpSpeakers(n) : []) {
      const w = new GobgpWatch({
        netns: namespaceOf(lab, node),
        apiPort: s.apiPort,
        owner: node,
        onEvent: record,
        logFile: `${workPaths(lab.name).nodeDir(node)}/gobgpd-${s.instance}.log`,
        onError: (e) =>
          record({ t: Date.now(), kind: "note", message: `gobgp watch of ${node}: ${e.message}` }),
      });
      await w.start();
      watches.push(w);
    }
    return async () => {
      for (const w of watches) await w.stop().catch(() => undefined);
    };
  }

  fault(lab: Lab, f: Fault): Promise<FaultOutcome> {
    return applyNetnsFault(daemonContext(lab, new Journal(workPaths(lab.name).journal)), f);
  }
}
