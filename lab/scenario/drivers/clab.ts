// The scenario driver of the clab runtime: BIRD through birdc in the router containers
// (dockerode exec), host tools (ip, ping, fping) entered into a container's or pod's network
// namespace with nsenter (containerlab itself only runs on Linux, as root), the Cilium agents'
// BGP peers through kubectl, and faults in clab-faults.ts. Pod addresses come from Kubernetes
// (Cilium's IPAM), not from the topology.
import { existsSync } from "node:fs";
import { clusterMembers } from "../../render/k8s-cluster.ts";
import { CiliumAgents } from "../../runtime/clab/cilium-agent.ts";
import { type ClabContext, type ClabOptions, clabContext, probeOf } from "../../runtime/clab/context.ts";
import { allocatedPodCidrs, clabConvergenceState } from "../../runtime/clab/converge.ts";
import { enterArgv, findNetnsWithAddress } from "../../runtime/clab/enter.ts";
import { type ImpairmentStore, impairmentStore } from "../../runtime/clab/impairment-store.ts";
import { type ZtEndStatus, ztStatus } from "../../runtime/clab/link-status.ts";
import { ciliumManifestsYaml } from "../../runtime/clab/manifests.ts";
import { kubeNodes, testPods } from "../../runtime/clab/observe.ts";
import { clabLabUp, clabPaths, readState } from "../../runtime/clab/paths.ts";
import { requirePrerequisites } from "../../runtime/clab/prerequisites.ts";
import { ClabRuntime } from "../../runtime/clab/runtime.ts";
import { HostTools } from "../../runtime/clab/tools.ts";
import { DEFAULT_CLAB_CONVERGE_BUDGET_MS } from "../../runtime/clab/up.ts";
import type { CheckResult, UpResult } from "../../runtime/runtime.ts";
import { isIPv4 } from "../../topology/ipv4.ts";
import type { Lab } from "../../topology/model.ts";
import { LabError } from "../../util/errors.ts";
import type { Where } from "../../util/exec.ts";
import type { FaultOutcome, LabDriver, RecordEvent, SpeakerNeighbor } from "../driver.ts";
import type { Fault, Scenario, ScenarioStep } from "../model.ts";
import { applyClabFault, type ClabFaultContext, reconfigureRouter } from "./clab-faults.ts";

/** How often the Cilium agents' peers are polled for session events (kubectl exec each time). */
const SPEAKER_POLL_MS = 1000;
/** How long a pod address read from the API server is reused. */
const POD_ADDRESS_TTL_MS = 5000;
/** A speaker watch never outlives this. */
const SPEAKER_WATCH_MAX_MS = 30 * 60_000;

export class ClabDriver implements LabDriver {
  readonly runtime = "clab" as const;
  readonly convergeBudgetMs = DEFAULT_CLAB_CONVERGE_BUDGET_MS;
  readonly convergeIntervalMs = 2000;
  private readonly contexts = new Map<string, ClabContext>();
  /** One per context, so what it learnt about agent pods lives as long as the lab's context. */
  private readonly agentsOf = new WeakMap<ClabContext, CiliumAgents>();
  /** Expectations poll every 200 ms: pod addresses (kubectl) and namespaces (a /proc scan) are reused. */
  private readonly podAddresses = new Map<string, { address: string; at: number }>();
  private readonly podPids = new Map<string, { address: string; pid: number }>();

  constructor(private readonly options: ClabOptions = {}) {}

  private ctx(lab: Lab): ClabContext {
    let c = this.contexts.get(lab.name);
    if (!c || c.lab !== lab) {
      c = clabContext(lab, this.options);
      this.contexts.set(lab.name, c);
    }
    return c;
  }

  private agents(lab: Lab): CiliumAgents {
    const c = this.ctx(lab);
    let a = this.agentsOf.get(c);
    if (!a) {
      a = new CiliumAgents(c.tools, c.paths);
      this.agentsOf.set(c, a);
    }
    return a;
  }

  private k8sNode(lab: Lab, node: string): string {
    const c = this.ctx(lab);
    const m = clusterMembers(lab, c.k8s, c.cluster).find((x) => x.node.name === node);
    if (!m) throw new LabError(`no Kubernetes node stands for ${node} in lab ${lab.name}`);
    return m.container;
  }

  /** The runtime's prerequisites (as `up` checks them) and the host tools scenarios use. */
  async preflight(lab: Lab): Promise<void> {
    const c = this.options;
    await requirePrerequisites({
      // A running lab's distribution wins, as for down.
      k8s: readState(clabPaths(lab.name))?.k8s ?? c.k8s ?? "kind",
      tools: c.tools ?? new HostTools(),
      scenarios: true,
    });
  }

  unsupported(scenario: Scenario): { step: ScenarioStep; why: string }[] {
    const out: { step: ScenarioStep; why: string }[] = [];
    for (const step of scenario.steps) {
      if (step.kind !== "fault") continue;
      const f = step.fault;
      if (f.kind === "node")
        out.push({
          step,
          why: `node ${f.action}: the clab runtime cannot ${f.action === "add" ? "join a new node to" : "remove a node from"} a running cluster (containerlab cannot wire a container into a deployed topology); run it on the netns runtime`,
        });
    }
    return out;
  }

  isUp(lab: Lab): boolean {
    return clabLabUp(lab.name);
  }

  stateDir(lab: Lab): string {
    return clabPaths(lab.name).root;
  }

  up(lab: Lab, opts: { budgetMs: number; signal?: AbortSignal }): Promise<UpResult> {
    this.contexts.delete(lab.name);
    return new ClabRuntime(this.options).up(lab, opts);
  }

  async down(lab: Lab): Promise<void> {
    this.contexts.delete(lab.name);
    await new ClabRuntime(this.options).down(lab);
  }

  convergence(lab: Lab): Promise<CheckResult[]> {
    return clabConvergenceState(probeOf(this.ctx(lab)));
  }

  /** Every router to the lab's bird.conf (the real one, or a variant's), and the lab's Cilium manifests applied. */
  async reconfigure(lab: Lab, signal?: AbortSignal): Promise<string> {
    const fctx = this.faultContext(lab);
    const answers: string[] = [];
    for (const r of lab.routers) {
      signal?.throwIfAborted();
      answers.push(`${r.name}: ${await reconfigureRouter(fctx, r.name, r.birdConf)}`);
    }
    const c = this.ctx(lab);
    await c.tools.run({
      argv: ["kubectl", "--kubeconfig", c.paths.kubeconfig, "apply", "-f", "-"],
      input: ciliumManifestsYaml(lab),
      timeoutMs: 60_000,
      ...(signal ? { signal } : {}),
    });
    answers.push(`${lab.cilium.length} Cilium manifests applied`);
    return answers.join("; ");
  }

  /** Kubernetes allocates node pod CIDRs in join order: where that differs from the topology. */
  async podCidrMap(lab: Lab): Promise<Map<string, string>> {
    const probe = probeOf(this.ctx(lab));
    const allocated = allocatedPodCidrs(probe, await kubeNodes(probe));
    const out = new Map<string, string>();
    for (const n of lab.nodes) {
      const actual = allocated.get(n.name)?.[0];
      if (actual && actual !== n.podCidr.text) out.set(n.podCidr.text, actual);
    }
    return out;
  }

  async bird(lab: Lab, router: string, command: string): Promise<string> {
    const r = await this.ctx(lab).control.birdc(router, [command], { timeoutMs: 10_000 });
    if (r.exitCode !== 0 || /^Unable to connect/m.test(r.stdout))
      throw new LabError(`BIRD in ${router} does not answer: ${(r.stderr || r.stdout).trim()}`);
    // birdc starts with its greeting; the parsers read BIRD's answer only.
    return r.stdout.replace(/^BIRD [\d.]+ ready\.\n/, "");
  }

  async enter(lab: Lab, element: string): Promise<Where> {
    const c = this.ctx(lab);
    const isPod = lab.nodes.some((n) => n.pods.some((p) => p.name === element));
    if (!isPod) {
      const state = await c.control.inspect(element);
      if (!state.running || state.pid <= 0) throw new LabError(`${element}'s container is not running`);
      return enterArgv(state.pid);
    }
    const address = await this.addressOf(lab, element);
    const key = `${lab.name}/${element}`;
    const known = this.podPids.get(key);
    // A pod keeps its namespace while it keeps its address; a replaced pod gets a new address.
    if (known && known.address === address && existsSync(`/proc/${known.pid}/ns/net`))
      return enterArgv(known.pid);
    const pid = await findNetnsWithAddress(address);
    if (pid === undefined)
      throw new LabError(
        `no network namespace on this host holds pod ${element}'s address ${address}`,
        "the clab runtime enters pods through their network namespace: run the lab on this host, as root",
      );
    this.podPids.set(key, { address, pid });
    return enterArgv(pid);
  }

  async addressOf(lab: Lab, target: string): Promise<string> {
    if (isIPv4(target)) return target;
    const router = lab.routers.find((r) => r.name === target);
    if (router) return router.lanAddress;
    const node = lab.nodes.find((n) => n.name === target);
    if (node) return node.address;
    const key = `${lab.name}/${target}`;
    const cached = this.podAddresses.get(key);
    if (cached && Date.now() - cached.at < POD_ADDRESS_TTL_MS) return cached.address;
    const pod = (await testPods(probeOf(this.ctx(lab)))).find((p) => p.name === target);
    if (!pod?.ip)
      throw new LabError(`test pod ${target} has no address${pod ? ` (${pod.phase})` : " (not found)"}`);
    this.podAddresses.set(key, { address: pod.ip, at: Date.now() });
    return pod.ip;
  }

  async speakerNeighbors(lab: Lab, node: string): Promise<SpeakerNeighbor[]> {
    const peers = await this.agents(lab).peers(this.k8sNode(lab, node));
    return peers.map((p) => ({ address: p.address, state: p.state }));
  }

  birdLogFile(lab: Lab, router: string): string {
    return clabPaths(lab.name).birdLog(router);
  }

  /** The agent's peers polled every second: session events with source "poll". */
  async watchSpeaker(lab: Lab, node: string, record: RecordEvent): Promise<() => Promise<void>> {
    const last = new Map<string, "up" | "down">();
    let stopped = false;
    let failing = false;
    const poll = async () => {
      try {
        const peers = await this.speakerNeighbors(lab, node);
        failing = false;
        for (const p of peers) {
          const state = p.state === "established" ? "up" : "down";
          if (last.get(p.address) === state) continue;
          last.set(p.address, state);
          record({ t: Date.now(), kind: "session", owner: node, peer: p.address, state, source: "poll" });
        }
      } catch (err) {
        // An agent being replaced does not answer; say so once, not every second.
        if (!failing)
          record({
            t: Date.now(),
            kind: "note",
            message: `Cilium agent of ${node} not answering: ${(err as Error).message.split("\n")[0]}`,
          });
        failing = true;
      }
    };
    const started = Date.now();
    const loop = (async () => {
      while (!stopped && Date.now() - started < SPEAKER_WATCH_MAX_MS) {
        await poll();
        await new Promise((r) => setTimeout(r, SPEAKER_POLL_MS));
      }
    })();
    return async () => {
      stopped = true;
      await loop;
    };
  }

  /** Both ends of the ZeroTier link: drops installed and counted, the qdisc on zt0. */
  linkStatus(lab: Lab): Promise<ZtEndStatus[]> {
    return ztStatus(
      this.ctx(lab).control,
      lab.routers.map((r) => r.name),
    );
  }

  fault(lab: Lab, f: Fault): Promise<FaultOutcome> {
    return applyClabFault(this.faultContext(lab), f);
  }

  private readonly stores = new Map<string, ImpairmentStore>();

  private impairmentStore(lab: Lab): ImpairmentStore {
    let store = this.stores.get(lab.name);
    if (!store) {
      // In the lab's directory when it exists (a running lab), else for this process only.
      store = impairmentStore(`${clabPaths(lab.name).root}/zt-impairment.json`);
      this.stores.set(lab.name, store);
    }
    return store;
  }

  private faultContext(lab: Lab): ClabFaultContext {
    const c = this.ctx(lab);
    return {
      lab,
      control: c.control,
      tools: c.tools,
      agents: this.agents(lab),
      k8sNode: (node) => this.k8sNode(lab, node),
      putFile: (element, path, content) => c.control.putFile(element, path, content),
      impairments: this.impairmentStore(lab),
    };
  }
}
