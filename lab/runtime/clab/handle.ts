// A clab lab, opened: BIRD through birdc in the router containers (dockerode exec), host tools
// (ip, ping, fping) entered into a container's or pod's network namespace with nsenter
// (containerlab itself only runs on Linux, as root), the Cilium agents' BGP peers through
// kubectl, and the fault actions of faults.ts. Pod addresses and pod CIDRs come from Kubernetes
// (Cilium's IPAM), not from the topology. It owns the lab's paths, container and cluster names
// and what it learnt (pod addresses, pod namespaces, agent pods).
import { existsSync } from "node:fs";
import { BIRD_SOCKET_IN_CONTAINER } from "../../render/clab.ts";
import { clusterMembers } from "../../render/k8s-cluster.ts";
import type { Scenario, ScenarioStep } from "../../scenario/model.ts";
import { isIPv4 } from "../../topology/ipv4.ts";
import type { Lab } from "../../topology/model.ts";
import { LabError } from "../../util/errors.ts";
import type { Where } from "../../util/exec.ts";
import { type NetemSupport, probeNetem } from "../../util/netem.ts";
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
} from "../kind.ts";
import { CiliumAgents } from "./cilium-agent.ts";
import { parseClusterNodes } from "./cluster-nodes.ts";
import { clabVersions } from "./component-versions.ts";
import { type ClabContext, type ClabOptions, clabContext, probeOf } from "./context.ts";
import { allocatedPodCidrs, kubeletReachable } from "./converge.ts";
import { clabDown } from "./down.ts";
import { enterArgv, findNetnsWithAddress } from "./enter.ts";
import { clabFaultActions, reconfigureRouter } from "./faults.ts";
import { type ImpairmentStore, impairmentStore } from "./impairment-store.ts";
import { formatZtStatus, ztStatus } from "./link-status.ts";
import { ciliumManifestsYaml } from "./manifests.ts";
import { kubeNodes, routerFib, testPods } from "./observe.ts";
import { clabLabUp, readState } from "./paths.ts";
import { kubectl } from "./plan.ts";
import { requirePrerequisites } from "./prerequisites.ts";
import { testPodNamespace } from "./test-pods.ts";
import { HostTools } from "./tools.ts";
import { clabUp, DEFAULT_CLAB_CONVERGE_BUDGET_MS } from "./up.ts";
import { routerBaselines } from "./wan-baseline.ts";

/** How often the Cilium agents' peers are polled for session events (kubectl exec each time). */
const SPEAKER_POLL_MS = 1000;
/** How long a pod address read from the API server is reused. */
const POD_ADDRESS_TTL_MS = 5000;
/** A speaker watch never outlives this. */
const SPEAKER_WATCH_MAX_MS = 30 * 60_000;

/**
 * Expecting a node to go NotReady is refused: kind and k3d nodes reach the API server over their
 * shared docker network (fidelity.ts), so a ZeroTier fault does not stop a kubelet's heartbeats
 * here as it does between the real sites, and the expectation would fail for the lab's reason,
 * not the design's. Expecting Ready, reading node status and the node metrics work.
 */
export function notReadyExpectations(scenario: Scenario): { step: ScenarioStep; why: string }[] {
  return scenario.steps.flatMap((step) =>
    step.kind === "expect" && step.expect.kind === "node" && !step.expect.ready
      ? [
          {
            step,
            why: `expect node ${step.expect.name} NotReady: on the clab runtime kubelets reach the API server over the kind/k3d docker network, not through the routers, so a ZeroTier fault cannot make a node NotReady; run it on the netns runtime`,
          },
        ]
      : [],
  );
}

/** What a clab handle learnt, shared by the handles of one lab (variants keep it). */
class Learnt {
  /** Expectations poll every 200 ms: pod addresses (kubectl) and namespaces (a /proc scan) are reused. */
  readonly podAddresses = new Map<string, { address: string; at: number }>();
  readonly podPids = new Map<string, { address: string; pid: number }>();
  agents?: CiliumAgents;
  impairments?: ImpairmentStore;
  /** The kernel's sch_netem, probed when first needed (the kernel does not change under a lab). */
  netem?: NetemSupport;
}

export class ClabHandle implements LabHandle {
  readonly convergeBudgetMs = DEFAULT_CLAB_CONVERGE_BUDGET_MS;
  readonly convergeIntervalMs = 2000;
  readonly speakerName = "Cilium agent";
  private cached?: ClabContext;

  versions(): Promise<ComponentVersions> {
    return clabVersions(this.ctx.tools, this.ctx.paths);
  }

  constructor(
    readonly kind: RuntimeKind,
    readonly lab: Lab,
    private readonly options: ClabOptions = {},
    private readonly learnt = new Learnt(),
  ) {}

  withLab(lab: Lab): ClabHandle {
    return new ClabHandle(this.kind, lab, this.options, this.learnt);
  }

  /** The Docker client is connected on first use: a handle that only checks options needs none. */
  get ctx(): ClabContext {
    this.cached ??= clabContext(this.lab, this.options);
    return this.cached;
  }

  get dir(): string {
    return this.ctx.paths.root;
  }

  private get agents(): CiliumAgents {
    this.learnt.agents ??= new CiliumAgents(this.ctx.tools, this.ctx.paths);
    return this.learnt.agents;
  }

  private k8sNode(node: string): string {
    const c = this.ctx;
    const m = clusterMembers(this.lab, c.k8s, c.cluster).find((x) => x.node.name === node);
    if (!m) throw new LabError(`no Kubernetes node stands for ${node} in lab ${this.lab.name}`);
    return m.container;
  }

  isUp(): boolean {
    return clabLabUp(this.lab.name);
  }

  /** The runtime's prerequisites (as `up` checks them), and for scenarios the host tools they use. */
  async preflight(purpose: "up" | "scenarios"): Promise<void> {
    await requirePrerequisites({
      // A running lab's distribution wins, as for down.
      k8s: readState(this.ctx.paths)?.k8s ?? this.options.k8s ?? "kind",
      tools: this.options.tools ?? new HostTools(),
      scenarios: purpose === "scenarios",
      // The topology's internet paths are netem on zt0 from `up` on, as clabUp checks too.
      ...(routerBaselines(this.lab).byRouter.size ? { netem: () => this.netem() } : {}),
    });
  }

  up(opts: UpOptions = {}): Promise<UpResult> {
    this.cached = undefined;
    return clabUp(this, { ...this.options, ...opts });
  }

  down(opts: DownOptions = {}): Promise<DownResult> {
    this.cached = undefined;
    return clabDown(this.lab, { ...this.options, ...opts });
  }

  /** sch_netem on this kernel: asked once, and only by what impairs the link. */
  private netem(): NetemSupport {
    this.learnt.netem ??= (this.options.netem ?? probeNetem)();
    return this.learnt.netem;
  }

  unsupported(scenario: Scenario): { step: ScenarioStep; why: string }[] {
    return [
      ...this.unsupportedSteps(scenario),
      ...this.needsNetem(scenario),
      ...notReadyExpectations(scenario),
    ];
  }

  /** Impairments are netem qdiscs here: without sch_netem the scenario is refused before it
   * starts, rather than failing at its first impairment with the lab half-way through. */
  private needsNetem(scenario: Scenario): { step: ScenarioStep; why: string }[] {
    const impair = scenario.steps.filter(
      (s) => s.kind === "fault" && s.fault.kind === "link" && s.fault.action === "impair",
    );
    if (!impair.length) return [];
    const netem = this.netem();
    if (netem.state !== "absent") return [];
    return impair.map((step) => ({
      step,
      why: `link impair: the clab runtime impairs zt0 with netem qdiscs (containerlab tools netem, tc netem), and ${netem.why}; fix: ${netem.fix}; or run it on the netns runtime, whose relay needs no netem`,
    }));
  }

  private unsupportedSteps(scenario: Scenario): { step: ScenarioStep; why: string }[] {
    return scenario.steps.flatMap((step) =>
      step.kind === "fault" &&
      step.fault.kind === "link" &&
      (step.fault.action === "direct-down" || step.fault.action === "direct-up")
        ? [
            {
              step,
              why: `link ${step.fault.action}: on the clab runtime zt0 is one containerlab link with no separate direct and relayed paths; run it on the netns runtime`,
            },
          ]
        : step.kind === "fault" && step.fault.kind === "link" && step.fault.action === "restart"
          ? [
              {
                step,
                why: "link restart: on the clab runtime zt0 is a containerlab link to a switch container, and deleting it cannot be undone in a deployed topology (setting it down would keep its address, unlike a zerotier-one restart); run it on the netns runtime",
              },
            ]
          : step.kind === "fault" && step.fault.kind === "node"
            ? [
                {
                  step,
                  why: `node ${step.fault.action}: the clab runtime cannot ${step.fault.action === "add" ? "join a new node to" : "remove a node from"} a running cluster (containerlab cannot wire a container into a deployed topology); run it on the netns runtime`,
                },
              ]
            : [],
    );
  }

  /** Every router to the lab's bird.conf (the real one, or a variant's), and the lab's Cilium manifests applied. */
  async reconfigure(signal?: AbortSignal): Promise<string> {
    const fctx = this.faultContext();
    const answers: string[] = [];
    for (const r of this.lab.routers) {
      signal?.throwIfAborted();
      answers.push(`${r.name}: ${await reconfigureRouter(fctx, r.name, r.birdConf)}`);
    }
    const c = this.ctx;
    await c.tools.run({
      argv: ["kubectl", "--kubeconfig", c.paths.kubeconfig, "apply", "-f", "-"],
      input: ciliumManifestsYaml(this.lab),
      timeoutMs: 60_000,
      ...(signal ? { signal } : {}),
    });
    const secrets = this.lab.secrets.length ? ` and ${this.lab.secrets.length} Secrets` : "";
    answers.push(`${this.lab.cilium.length} Cilium manifests${secrets} applied`);
    return answers.join("; ");
  }

  /** What the Nodes really carry (spec.podCIDRs): `up` sets the topology's, and this says if not. */
  async podCidrs(): Promise<Map<string, string[]>> {
    const probe = probeOf(this.ctx);
    return allocatedPodCidrs(probe, await kubeNodes(probe));
  }

  async bird(router: string, command: string): Promise<string> {
    const r = await this.ctx.control.birdc(router, [command], { timeoutMs: 10_000 });
    if (r.exitCode !== 0 || /^Unable to connect/m.test(r.stdout))
      throw new LabError(`BIRD in ${router} does not answer: ${(r.stderr || r.stdout).trim()}`);
    // birdc starts with its greeting; the parsers read BIRD's answer only.
    return r.stdout.replace(/^BIRD [\d.]+ ready\.\n/, "");
  }

  /** `ip route` in the router container (dockerode exec). */
  fib(router: string): Promise<FibRoute[]> {
    return routerFib(probeOf(this.ctx), router);
  }

  async enter(element: string): Promise<Where> {
    const c = this.ctx;
    const isPod = this.lab.nodes.some((n) => n.pods.some((p) => p.name === element));
    if (!isPod) {
      const state = await c.control.inspect(element);
      if (!state.running || state.pid <= 0) throw new LabError(`${element}'s container is not running`);
      return enterArgv(state.pid);
    }
    const address = await this.addressOf(element);
    const key = `${this.lab.name}/${element}`;
    const known = this.learnt.podPids.get(key);
    // A pod keeps its namespace while it keeps its address; a replaced pod gets a new address.
    if (known && known.address === address && existsSync(`/proc/${known.pid}/ns/net`))
      return enterArgv(known.pid);
    const pid = await findNetnsWithAddress(address);
    if (pid === undefined)
      throw new LabError(
        `no network namespace on this host holds pod ${element}'s address ${address}`,
        "the clab runtime enters pods through their network namespace: run the lab on this host, as root",
      );
    this.learnt.podPids.set(key, { address, pid });
    return enterArgv(pid);
  }

  async addressOf(target: string): Promise<string> {
    if (isIPv4(target)) return target;
    const router = this.lab.routers.find((r) => r.name === target);
    if (router) return router.lanAddress;
    const node = this.lab.nodes.find((n) => n.name === target);
    if (node) return node.address;
    const key = `${this.lab.name}/${target}`;
    const cached = this.learnt.podAddresses.get(key);
    if (cached && Date.now() - cached.at < POD_ADDRESS_TTL_MS) return cached.address;
    const pod = (await testPods(probeOf(this.ctx))).find((p) => p.name === target);
    if (!pod?.ip)
      throw new LabError(`test pod ${target} has no address${pod ? ` (${pod.phase})` : " (not found)"}`);
    this.learnt.podAddresses.set(key, { address: pod.ip, at: Date.now() });
    return pod.ip;
  }

  /** One agent per node: its peers as one speaker instance. */
  async speakers(node: string): Promise<SpeakerInstance[]> {
    const instance = this.lab.nodes.find((n) => n.name === node)?.bgp?.instances[0];
    const peers = await this.agents.peers(this.k8sNode(node));
    return [
      {
        instance: instance?.name ?? "cilium",
        localAs: instance?.localASN ?? 0,
        sessions: peers.map((p) => ({
          address: p.address,
          state: p.state,
          localAs: p.localAsn,
          peerAs: p.peerAsn,
          uptimeSince: null,
          received: 0,
          accepted: 0,
          advertised: 0,
        })),
      },
    ];
  }

  kubeletReachable(node: string): Promise<true | string> {
    return kubeletReachable(probeOf(this.ctx), node);
  }

  /** The real API server's nodes (Ready condition, eviction taints) and the test pods on them. */
  async clusterNodes(): Promise<ClusterNode[]> {
    const c = this.ctx;
    const get = async (...args: string[]) =>
      (await c.tools.run({ argv: kubectl(c.paths, "get", ...args, "-o", "json"), timeoutMs: 20_000 })).stdout;
    const [nodesJson, podsJson] = await Promise.all([
      get("nodes"),
      get("pods", "--namespace", testPodNamespace(this.lab)),
    ]);
    return parseClusterNodes({ lab: this.lab, k8s: c.k8s, cluster: c.cluster, nodesJson, podsJson });
  }

  birdLogFile(router: string): string {
    return this.ctx.paths.birdLog(router);
  }

  /** The agent's peers polled every second: session events with source "poll". */
  async watchSpeaker(node: string, record: RecordEvent): Promise<() => Promise<void>> {
    const last = new Map<string, "up" | "down">();
    let stopped = false;
    let failing = false;
    const poll = async () => {
      try {
        const peers = (await this.speakers(node)).flatMap((s) => s.sessions);
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

  get faults(): FaultActions {
    return clabFaultActions(this.faultContext());
  }

  private impairments(): ImpairmentStore {
    // In the lab's directory when it exists (a running lab), else for this process only.
    this.learnt.impairments ??= impairmentStore(`${this.ctx.paths.root}/zt-impairment.json`);
    return this.learnt.impairments;
  }

  private faultContext() {
    const c = this.ctx;
    return {
      lab: this.lab,
      control: c.control,
      tools: c.tools,
      agents: this.agents,
      k8sNode: (node: string) => this.k8sNode(node),
      putFile: (element: string, path: string, content: string) => c.control.putFile(element, path, content),
      impairments: this.impairments(),
      netem: () => this.netem(),
    };
  }

  /** Both ends of the ZeroTier link: drops installed and counted, the qdisc on zt0. */
  async linkState(): Promise<LinkState> {
    const ends = await ztStatus(
      this.ctx.control,
      this.lab.routers.map((r) => r.name),
    );
    return { data: { runtime: "clab", ends }, text: formatZtStatus(ends) };
  }

  extraExecTargets(): string[] {
    return this.lab.sites.map((s) => `lan-${s.name}`);
  }

  /**
   * Routers, nodes and LAN switches through the Docker engine (the container's own tools; birdc
   * finds the lab's socket), pods through kubectl exec. Not interactive: the output is shown
   * when the command ends, with its exit code.
   */
  async exec(element: string, argv: string[], io: ExecIo): Promise<number> {
    if (!this.isUp())
      throw new LabError(
        `${this.kind.labTitle} ${this.lab.name} is not running`,
        `start it with: ${this.kind.startHint}`,
      );
    const c = this.ctx;
    const pod = this.lab.nodes.some((n) => n.pods.some((p) => p.name === element));
    const r = pod
      ? await c.tools
          .run({
            argv: kubectl(c.paths, "exec", "--namespace", testPodNamespace(this.lab), element, "--", ...argv),
            allowFailure: true,
            timeoutMs: 120_000,
            signal: io.signal,
          })
          .then((o) => ({ exitCode: o.code ?? 1, stdout: o.stdout, stderr: o.stderr }))
      : await c.control.exec(element, this.withSocket(element, argv), { timeoutMs: 120_000 });
    if (r.stdout) io.out(r.stdout.replace(/\n$/, ""));
    if (r.stderr) io.err(r.stderr.replace(/\n$/, ""));
    return r.exitCode;
  }

  private withSocket(target: string, cmd: string[]): string[] {
    const [prog, ...rest] = cmd as [string, ...string[]];
    if (prog === "birdc" && this.lab.routers.some((r) => r.name === target) && !rest.includes("-s"))
      return ["birdc", "-s", BIRD_SOCKET_IN_CONTAINER, ...rest];
    return cmd;
  }

  /** The cluster and when it converged before the tables, the ZeroTier link's ends after them. */
  async statusExtras(): Promise<StatusExtras> {
    const c = this.ctx;
    const state = readState(c.paths);
    const link = await this.linkState().catch((err: Error) => ({ data: { error: err.message }, text: "" }));
    return {
      before: {
        data: { runtime: "clab", k8s: c.k8s, cluster: c.cluster, state: state ?? null },
        lines: [
          `clab: ${c.k8s} cluster ${c.cluster}${state?.convergedAt ? `, converged at ${state.convergedAt}` : ""}`,
        ],
      },
      after: {
        data: { link: link.data },
        lines: [
          link.text
            ? `ZeroTier link (zt0 of each router):\n${link.text}`
            : `ZeroTier link: ${(link.data as { error: string }).error}`,
        ],
      },
    };
  }
}
