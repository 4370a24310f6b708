// A netns lab, opened: BIRD through its control socket, host tools via `ip netns exec`, gobgpd's
// API for the node speakers, faults through the ZeroTier relay and the journaled daemons. It
// owns the lab's paths and namespace names: nothing outside this folder derives them.
import { existsSync } from "node:fs";
import { BirdClient } from "../../bird/client.ts";
import { relayRequest } from "../../emulate/zerotier/control.ts";
import { formatRelayStatus } from "../../emulate/zerotier/format.ts";
import { gobgpTools } from "../../gobgp/binary.ts";
import { gobgpNeighbors } from "../../gobgp/cli.ts";
import { fibRoutes, httpGet } from "../../observe/probes.ts";
import { gobgpSpeakers } from "../../render/gobgp.ts";
import { addressInModel } from "../../topology/elements.ts";
import type { Lab } from "../../topology/model.ts";
import { LabError } from "../../util/errors.ts";
import { interactive } from "../../util/exec.ts";
import { listNetns } from "../../util/netns.ts";
import { isAlive } from "../../util/processes.ts";
import type {
  ClusterNode,
  ComponentVersions,
  DownOptions,
  DownResult,
  ExecIo,
  FaultActions,
  FibRoute,
  LabHandle,
  LinkState,
  RecordEvent,
  RuntimeKind,
  SpeakerInstance,
  StatusExtras,
  UpOptions,
  UpResult,
  ZtPaths,
} from "../kind.ts";
import { type WorkPaths, workPaths } from "../workdir.ts";
import { API_PORT, controlPlaneOf, daemonContext } from "./daemons.ts";
import { netnsDown } from "./down.ts";
import { netnsFaultActions } from "./faults.ts";
import { GobgpWatch } from "./gobgp-watch.ts";
import { Journal } from "./journal.ts";
import { recognisedLabs } from "./leftovers.ts";
import { labMemoryMiB, labPssMiB } from "./memory.ts";
import { nsName, planNetns, ROOT_ELEMENT } from "./plan.ts";
import { checkPrerequisites } from "./prerequisites.ts";
import { DEFAULT_CONVERGE_BUDGET_MS, netnsUp } from "./up.ts";
import { netnsVersions } from "./versions.ts";

export class NetnsHandle implements LabHandle {
  readonly paths: WorkPaths;
  readonly convergeBudgetMs = DEFAULT_CONVERGE_BUDGET_MS;
  readonly convergeIntervalMs = 500;
  readonly speakerName = "gobgpd";

  async versions(): Promise<ComponentVersions> {
    return netnsVersions();
  }

  constructor(
    readonly kind: RuntimeKind,
    readonly lab: Lab,
  ) {
    this.paths = workPaths(lab.name);
  }

  get dir(): string {
    return this.paths.root;
  }

  withLab(lab: Lab): NetnsHandle {
    return new NetnsHandle(this.kind, lab);
  }

  /** The namespace of a router, node, pod, switch or the internet relay. */
  namespace(element: string): string {
    return nsName(this.lab.name, element);
  }

  isUp(): boolean {
    return existsSync(this.paths.journal);
  }

  preflight(): Promise<void> {
    return checkPrerequisites();
  }

  up(opts: UpOptions = {}): Promise<UpResult> {
    return netnsUp(this, opts);
  }

  /** What the journal records, what this topology's plan names, and every namespace named like
   * this lab's (a run of another topology under the same name leaves namespaces this plan does
   * not list). */
  async down(opts: DownOptions = {}): Promise<DownResult> {
    const hadJournal = existsSync(this.paths.journal);
    const named = recognisedLabs(await listNetns()).get(this.lab.name) ?? [];
    const report = await netnsDown(
      this.paths,
      [...planNetns(this.lab).namespaces.map((n) => n.name), ...named],
      opts.progress,
    );
    return {
      removed: { processes: report.processes, namespaces: report.namespaces },
      found: hadJournal || report.namespaces > 0,
      summary: `${report.processes} processes stopped, ${report.namespaces} namespaces deleted`,
    };
  }

  /** The netns runtime runs every step kind. */
  unsupported(): [] {
    return [];
  }

  async bird(router: string, command: string): Promise<string> {
    const c = await BirdClient.connect(this.paths.birdSocket(router), 2000);
    try {
      return (await c.request(command)).text;
    } finally {
      c.close();
    }
  }

  fib(router: string): Promise<FibRoute[]> {
    return fibRoutes(this.namespace(router));
  }

  async enter(element: string): Promise<string> {
    return this.namespace(element);
  }

  async addressOf(target: string): Promise<string> {
    return addressInModel(this.lab, target);
  }

  async speakers(node: string): Promise<SpeakerInstance[]> {
    const n = this.lab.nodes.find((x) => x.name === node);
    if (!n) throw new LabError(`no node named ${node} in lab ${this.lab.name}`);
    return Promise.all(
      gobgpSpeakers(n).map(async (s) => {
        const inst = n.bgp?.instances.find((i) => i.name === s.instance);
        const base = { instance: s.instance, localAs: inst?.localASN ?? 0 };
        const peers = (inst?.peers ?? []).map((p) => p.peerAddress);
        try {
          return { ...base, sessions: await gobgpNeighbors(this.namespace(node), s.apiPort, peers) };
        } catch (err) {
          return { ...base, sessions: [], error: (err as Error).message };
        }
      }),
    );
  }

  /** Pods get the topology's CIDRs here. */
  async podCidrs(): Promise<Map<string, string[]>> {
    return new Map(this.lab.nodes.map((n) => [n.name, [n.podCidr.text]]));
  }

  /** The stand-in kubelet answers /stats/summary with the node's name. */
  async kubeletReachable(node: string): Promise<true | string> {
    const cp = this.lab.nodes.find((n) => n.role === "control-plane");
    const n = this.lab.nodes.find((x) => x.name === node);
    if (!cp || !n) return `no control-plane node or no node named ${node}`;
    const r = await httpGet(this.namespace(cp.name), n.address, 10250, "/stats/summary");
    return (
      (r.ok && r.body.includes(`"${n.name}"`)) ||
      `${cp.name} -> ${n.name} ${n.address}:10250: ${r.error ?? "unexpected answer"}`
    );
  }

  /** The control-plane stand-in's GET /nodes, read from the control-plane node's namespace. */
  async clusterNodes(): Promise<ClusterNode[]> {
    const cp = controlPlaneOf(this.lab);
    const cpNode = this.lab.nodes.find((n) => n.role === "control-plane");
    if (!cp || !cpNode) throw new LabError("the lab has no control-plane node: no node lifecycle to read");
    const r = await httpGet(this.namespace(cpNode.name), cp.address, API_PORT, "/nodes");
    if (!r.ok) throw new LabError(`control plane ${cp.address}:${API_PORT} did not answer: ${r.error}`);
    return (JSON.parse(r.body) as { nodes: ClusterNode[] }).nodes;
  }

  birdLogFile(router: string): string {
    return this.paths.birdLog(router);
  }

  async watchSpeaker(node: string, record: RecordEvent): Promise<() => Promise<void>> {
    const n = this.lab.nodes.find((x) => x.name === node);
    const watches: GobgpWatch[] = [];
    for (const s of n ? gobgpSpeakers(n) : []) {
      const w = new GobgpWatch({
        netns: this.namespace(node),
        apiPort: s.apiPort,
        owner: node,
        onEvent: record,
        logFile: `${this.paths.nodeDir(node)}/gobgpd-${s.instance}.log`,
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

  get faults(): FaultActions {
    return netnsFaultActions(daemonContext(this.lab, new Journal(this.paths.journal)));
  }

  async linkState(): Promise<LinkState> {
    const reply = await relayRequest(this.paths.relaySocket, { op: "show" });
    return { data: reply.status, text: formatRelayStatus(reply.status) };
  }

  async ztPaths(): Promise<ZtPaths> {
    const { status } = await relayRequest(this.paths.relaySocket, { op: "show" });
    return {
      now: status.directions.map((d) => ({ direction: d.direction, via: d.path.via })),
      changes: status.pathChanges,
      rootDelayMs: status.rootDelayMs,
    };
  }

  extraExecTargets(): string[] {
    return ["inet", ROOT_ELEMENT];
  }

  /** Interactive, in the element's namespace; birdc and gobgp find their daemon by themselves. */
  async exec(element: string, argv: string[], io: ExecIo): Promise<number> {
    if (!this.isUp())
      throw new LabError(
        `${this.kind.labTitle} ${this.lab.name} is not running`,
        `start it with: ${this.kind.startHint}`,
      );
    const r = await interactive(this.withDaemonAddress(element, argv), {
      netns: this.namespace(element),
      signal: io.signal,
    });
    if (r.error) io.err(`exec: ${r.error}`);
    return r.code;
  }

  /** birdc needs the router's socket, gobgp the node's API port: added unless the user did. */
  private withDaemonAddress(target: string, cmd: string[]): string[] {
    const [prog, ...rest] = cmd as [string, ...string[]];
    if (prog === "birdc" && this.lab.routers.some((r) => r.name === target) && !rest.includes("-s"))
      return ["birdc", "-s", this.paths.birdSocket(target), ...rest];
    const node = this.lab.nodes.find((n) => n.name === target);
    const speaker = node ? gobgpSpeakers(node)[0] : undefined;
    if (prog === "gobgp" && speaker && !rest.includes("-p"))
      return [gobgpTools().gobgp, "-p", String(speaker.apiPort), ...rest];
    return cmd;
  }

  /** The journaled daemons before the tables, the ZeroTier relay after them. */
  async statusExtras(): Promise<StatusExtras> {
    const daemons = new Journal(this.paths.journal)
      .entries()
      .flatMap((e) =>
        e.kind === "process"
          ? [{ name: e.name, pid: e.pid, alive: isAlive(e.pid, e.startTime || undefined) }]
          : [],
      );
    const dead = daemons.filter((d) => !d.alive);
    const relay = await this.linkState().catch((err: Error) => ({ data: { error: err.message }, text: "" }));
    return {
      before: {
        data: { daemons },
        lines: [
          `daemons: ${daemons.length - dead.length}/${daemons.length} alive${dead.length ? ` (dead: ${dead.map((d) => d.name).join(", ")})` : ""}`,
        ],
      },
      after: {
        data: { relay: relay.data },
        lines: [
          relay.text
            ? `ZeroTier relay:\n${relay.text}`
            : `ZeroTier relay: ${(relay.data as { error: string }).error}`,
        ],
      },
    };
  }

  memoryMiB(): Promise<number> {
    return labMemoryMiB(planNetns(this.lab).namespaces.map((n) => n.name));
  }

  memoryPssMiB(): Promise<number> {
    return labPssMiB(planNetns(this.lab).namespaces.map((n) => n.name));
  }
}
