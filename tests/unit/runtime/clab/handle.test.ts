// The clab runtime's lab handle (ClabHandle) and its fault actions up to their boundary, with the
// runtime-neutral fault bookkeeping (applyFault) on top: which command each fault sends to which
// container or tool, what it refuses before a scenario runs, and the documents it hands to
// kubectl. containerlab, kubectl and a Cilium cluster cannot run on this machine, so the
// containers and tools here are recorders that answer like the real ones; the commands they
// receive inside router containers (nft, tc, birdc, bird) run for real against a Docker engine
// in tests/integration/clab-faults.test.ts.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import test from "ava";
import yaml from "js-yaml";
import type { ExecOptions, ExecResult } from "../../../../lab/docker/containers.ts";
import { BIRD_WRAPPER_IN_CONTAINER } from "../../../../lab/render/clab.ts";
import { parseAgentPeers, parseAgentPods } from "../../../../lab/runtime/clab/cilium-agent.ts";
import { parseClusterNodes } from "../../../../lab/runtime/clab/cluster-nodes.ts";
import { type Containers, clabContainer } from "../../../../lab/runtime/clab/control.ts";
import {
  ACTIVE_CONFIG_MARKER,
  directionRouters,
  KILL_BIRD,
  VARIANT_WRAPPER_IN_CONTAINER,
  variantWrapper,
} from "../../../../lab/runtime/clab/faults.ts";
import { ClabHandle } from "../../../../lab/runtime/clab/handle.ts";
import { clabKind } from "../../../../lab/runtime/clab/kind.ts";
import { ciliumManifestsYaml } from "../../../../lab/runtime/clab/manifests.ts";
import { needsTcNetem, tcNetemArgv } from "../../../../lab/runtime/clab/netem-tc.ts";
import type { ExternalTools, ToolCall, ToolOutput } from "../../../../lab/runtime/clab/tools.ts";
import { routerBaselines } from "../../../../lab/runtime/clab/wan-baseline.ts";
import { netemArgv } from "../../../../lab/runtime/clab/zt-fault.ts";
import type { LabHandle } from "../../../../lab/runtime/kind.ts";
import { needsClusterNodes, podCidrMap, runScenario } from "../../../../lab/scenario/engine.ts";
import { applyFault } from "../../../../lab/scenario/faults.ts";
import { loadScenario, SCENARIO_DIR, scenarioDirOf } from "../../../../lab/scenario/load.ts";
import { nodeChanges } from "../../../../lab/scenario/sources/node-poll.ts";
import type { LabEvent } from "../../../../lab/scenario/types.ts";
import { withVariant } from "../../../../lab/topology/build.ts";
import { loadLab } from "../../../../lab/topology/load.ts";
import { LabError } from "../../../../lab/util/errors.ts";
import { NETEM_FIX, type NetemSupport, netemVerdict } from "../../../../lab/util/netem.ts";

const lab = await loadLab();
const scenario = (name: string) => loadScenario(join(SCENARIO_DIR, `${name}.yaml`), lab);

type Answer = (container: string, argv: string[]) => Partial<ExecResult> | undefined;

/** Records every exec and file write; answers like a running router container unless told otherwise. */
class RecordingContainers implements Containers {
  execs: { container: string; argv: string[] }[] = [];
  files: { container: string; path: string; content: string }[] = [];
  constructor(private readonly answer: Answer = () => undefined) {}
  async exec(container: string, argv: string[], _opts?: ExecOptions): Promise<ExecResult> {
    this.execs.push({ container, argv });
    return { exitCode: 0, stdout: "", stderr: "", ...this.answer(container, argv) };
  }
  async putFile(container: string, path: string, content: string): Promise<void> {
    this.files.push({ container, path, content });
  }
  async inspect(): Promise<never> {
    throw new Error("not used");
  }
  async logs(): Promise<string> {
    throw new Error("not used");
  }
  async kill(): Promise<void> {}
  async pause(): Promise<void> {}
  async unpause(): Promise<void> {}
  async list(): Promise<[]> {
    return [];
  }
}

class RecordingTools implements ExternalTools {
  calls: ToolCall[] = [];
  constructor(private readonly answer: (argv: string[]) => string = () => "") {}
  which(): string | undefined {
    return undefined;
  }
  async run(call: ToolCall): Promise<ToolOutput> {
    this.calls.push(call);
    return { code: 0, stdout: this.answer(call.argv), stderr: "" };
  }
}

const NETEM_PRESENT: NetemSupport = { state: "present", detail: "stated by the test" };

/** The kernel's sch_netem is stated, not probed: these tests must not depend on this machine's. */
function handleWith(
  containers: RecordingContainers,
  tools: RecordingTools = new RecordingTools(),
  of: typeof lab = lab,
  netem: NetemSupport = NETEM_PRESENT,
) {
  return new ClabHandle(clabKind, of, { k8s: "kind", containers, tools, netem: () => netem });
}

const agentList = (node: string, ...pods: { name: string; ready: boolean; deleting?: boolean }[]) =>
  JSON.stringify({
    items: pods.map((p) => ({
      metadata: {
        name: p.name,
        ...(p.deleting ? { deletionTimestamp: "2026-11-26T09:00:00Z" } : {}),
      },
      spec: { nodeName: node },
      status: { conditions: [{ type: "Ready", status: p.ready ? "True" : "False" }] },
    })),
  });

test("directions are the relay's site names, mapped to the routers at each end", (t) => {
  t.deepEqual(directionRouters(lab, undefined), {
    from: ["router-home", "router-mine"],
    to: ["router-home", "router-mine"],
  });
  t.deepEqual(directionRouters(lab, "home->mine"), { from: ["router-home"], to: ["router-mine"] });
  t.throws(() => directionRouters(lab, "home->moon"), {
    instanceOf: LabError,
    message: /no site named moon/,
  });
});

test("node joins and removals are refused before anything runs, naming the step's line", async (t) => {
  const containers = new RecordingContainers();
  const tools = new RecordingTools();
  const h = handleWith(containers, tools);
  const join = scenario("node-join");
  const refused = h.unsupported(join);
  t.true(refused.length >= 1);
  t.regex(refused[0]?.why ?? "", /cannot join a new node/);
  for (const name of [
    "cold-start",
    "zt-outage-30s",
    "router-home-restart",
    "speaker-restart",
    "impaired-vpn",
    "mtu",
  ])
    t.deepEqual(h.unsupported(scenario(name)), [], name);
  const result = await runScenario(h, join, join.variants[0] as never);
  t.is(result.status, "skipped");
  t.is(result.runtime, "clab");
  t.regex(result.skipReason ?? "", /^line \d+: node add/);
  // Injected anyway (bypassing the refusal), the fault is refused too: clab offers no node actions.
  t.is(h.faults.addNode, undefined);
  t.is(h.faults.removeNode, undefined);
  await t.throwsAsync(applyFault(h, { kind: "node", action: "remove", node: "nano" }), {
    instanceOf: LabError,
    message: /the clab runtime cannot remove a node from a running lab/,
  });
  t.deepEqual(containers.execs, [], "nothing touched");
  t.deepEqual(tools.calls, []);
});

test("direct-path faults are refused on clab, with why", async (t) => {
  const h = handleWith(new RecordingContainers(), new RecordingTools());
  const refused = h.unsupported(scenario("zt-direct-path-lost"));
  t.is(refused.length, 2, "direct-down and direct-up");
  t.regex(refused[0]?.why ?? "", /^link direct-down: .*no separate direct and relayed paths/);
  await t.throwsAsync(applyFault(h, { kind: "link", action: "direct-down" }), { instanceOf: LabError });
});

test("a cut between two routers of three on clab: each drops what the other sends, by its zt0 MAC", async (t) => {
  const three = await loadLab(join(lab.configDir, "examples/three-sites/topology.yaml"));
  const macOf = (container: string) =>
    `02:00:00:00:00:0${three.routers.findIndex((r) => container.endsWith(r.name)) + 1}`;
  const containers = new RecordingContainers((container, argv) =>
    argv[0] === "cat" ? { stdout: `${macOf(container)}\n` } : undefined,
  );
  const h = handleWith(containers, new RecordingTools(), three);
  const s = loadScenario(join(scenarioDirOf(three), "transit-failover.yaml"), three);
  t.deepEqual(h.unsupported(s), []);
  const outcome = await applyFault(h, {
    kind: "link",
    action: "down",
    between: ["router-home", "router-mine"],
  });
  t.is(
    outcome.detail,
    "down router-home<->router-mine (silent: zt0 stays up; nftables drops router-home->router-mine, router-mine->router-home where it arrives)",
  );
  const cuts = containers.execs.filter((e) => e.argv[0] === "sh");
  t.deepEqual(
    cuts.map((e) => [e.container, e.argv.at(-1)]).sort(),
    [
      [clabContainer(three.name, "router-home"), macOf("router-mine")],
      [clabContainer(three.name, "router-mine"), macOf("router-home")],
    ],
    "router-office is not touched",
  );
  containers.execs = [];
  await outcome.revert?.();
  t.deepEqual(
    containers.execs
      .filter((e) => e.argv[0] === "sh")
      .map((e) => [e.container, e.argv.at(-1)])
      .sort(),
    [
      [clabContainer(three.name, "router-home"), macOf("router-mine")],
      [clabContainer(three.name, "router-mine"), macOf("router-home")],
    ],
  );
  await t.throwsAsync(
    applyFault(h, { kind: "link", action: "down", between: ["router-home", "router-moon"] }),
    { instanceOf: LabError, message: /no router named router-moon/ },
  );
});

test("a zerotier-one restart is refused on clab, with why, and touches nothing", async (t) => {
  const containers = new RecordingContainers();
  const tools = new RecordingTools();
  const h = handleWith(containers, tools);
  const restart = scenario("zt-service-restart");
  const refused = h.unsupported(restart);
  t.is(refused.length, 1);
  t.regex(refused[0]?.why ?? "", /^link restart: .*cannot be undone in a deployed topology/);
  const result = await runScenario(h, restart, restart.variants[0] as never);
  t.is(result.status, "skipped");
  t.regex(result.skipReason ?? "", /^line \d+: link restart/);
  await t.throwsAsync(applyFault(h, { kind: "link", action: "restart", forMs: 5000 }), {
    instanceOf: LabError,
    message: /the clab runtime cannot remove and recreate zt0/,
  });
  t.deepEqual(containers.execs, [], "nothing touched");
  t.deepEqual(tools.calls, []);
});

test("link down: the sender's zt0 MAC read, the drop installed where its packets arrive; the revert removes it there", async (t) => {
  const HOME_MAC = "02:00:00:00:00:01";
  const containers = new RecordingContainers((container, argv) =>
    argv[0] === "cat" && container === "clab-xsite-router-home" ? { stdout: `${HOME_MAC}\n` } : undefined,
  );
  const h = handleWith(containers);
  const out = await applyFault(h, { kind: "link", action: "down", direction: "home->mine" });
  t.is(
    out.detail,
    "down home->mine (silent: zt0 stays up; nftables drops router-home->router-mine where it arrives)",
  );
  t.deepEqual(
    containers.execs.map((e) => [e.container, e.argv[0], e.argv.at(-1)]),
    [
      ["clab-xsite-router-home", "cat", "/sys/class/net/zt0/address"],
      ["clab-xsite-router-mine", "sh", HOME_MAC],
    ],
    "only the receiving end drops, and only the sender's frames",
  );
  const before = containers.execs.length;
  await out.revert?.();
  const revert = containers.execs.slice(before).filter((e) => e.argv[0] === "sh");
  t.deepEqual(
    revert.map((e) => [e.container, e.argv.at(-1)]),
    [["clab-xsite-router-mine", HOME_MAC]],
  );
  t.regex(revert[0]?.argv[2] ?? "", /nft delete element/);
});

test("impairments: containerlab tools netem on the sending end; bursty loss through tc netem's gemodel", async (t) => {
  const containers = new RecordingContainers();
  const tools = new RecordingTools();
  const h = handleWith(containers, tools);
  const plain = await applyFault(h, {
    kind: "link",
    action: "impair",
    direction: "mine->home",
    impairment: { delayMs: 40, jitterMs: 10, lossPct: 2 },
  });
  t.is(tools.calls.length, 1);
  t.deepEqual(tools.calls[0]?.argv.slice(0, 4), ["containerlab", "tools", "netem", "set"]);
  t.true(tools.calls[0]?.argv.includes("clab-xsite-router-mine"));
  await plain.revert?.();
  t.deepEqual(containers.execs.at(-1), {
    container: "clab-xsite-router-mine",
    argv: ["tc", "qdisc", "del", "dev", "zt0", "root"],
  });
  const burst = { pEnterBad: 10, pLeaveBad: 40, lossInBadPct: 100, lossInGoodPct: 0 };
  t.true(needsTcNetem({ burst }));
  t.false(needsTcNetem({ delayMs: 40, lossPct: 2 }));
  await applyFault(h, { kind: "link", action: "impair", direction: "both", impairment: { burst } });
  const tc = containers.execs.filter((e) => e.argv[0] === "tc" && e.argv[2] === "replace");
  t.deepEqual(
    tc.map((e) => e.container),
    ["clab-xsite-router-home", "clab-xsite-router-mine"],
  );
  t.deepEqual(tc[0]?.argv, tcNetemArgv("zt0", { burst }));
  t.deepEqual(tc[0]?.argv.slice(7), ["loss", "gemodel", "10%", "40%", "100%", "0%"]);
});

test("without sch_netem, scenarios that impair the link are refused before they run, with why and the fix", async (t) => {
  const absent = netemVerdict({ code: 2, stderr: "Error: Specified qdisc kind is unknown.\n" });
  t.is(absent.state, "absent");
  const containers = new RecordingContainers();
  const tools = new RecordingTools();
  let probes = 0;
  const h = new ClabHandle(clabKind, lab, {
    k8s: "kind",
    containers,
    tools,
    netem: () => {
      probes++;
      return absent;
    },
  });
  // A scenario without impairments does not even ask.
  t.deepEqual(h.unsupported(scenario("zt-outage-30s")), []);
  t.is(probes, 0);
  const impaired = scenario("impaired-vpn");
  const refused = h.unsupported(impaired);
  t.is(refused.length, 2, "both impair steps");
  t.regex(
    refused[0]?.why ?? "",
    /no netem qdisc \(sch_netem\): tc says "Error: Specified qdisc kind is unknown\."/,
  );
  t.true(refused[0]?.why.includes(NETEM_FIX));
  t.regex(refused[0]?.why ?? "", /netns runtime/);
  h.unsupported(impaired);
  t.is(probes, 1, "asked once per lab");
  const result = await runScenario(h, impaired, impaired.variants[0] as never);
  t.is(result.status, "skipped");
  t.regex(result.skipReason ?? "", /^line \d+: link impair: /);
  // `lab link zt set` goes straight to the fault action: refused there too, nothing sent.
  await t.throwsAsync(
    applyFault(h, { kind: "link", action: "impair", direction: "both", impairment: { delayMs: 40 } }),
    { instanceOf: LabError, message: /cannot impair zt0: this kernel has no netem qdisc/ },
  );
  t.deepEqual(tools.calls, []);
  t.deepEqual(containers.execs, []);
  // Could not tell (not root): not refused, the impairment itself will say.
  const unknown = handleWith(containers, tools, lab, { state: "unknown", why: "needs root" });
  t.deepEqual(unknown.unsupported(impaired), []);
});

test("router kill: SIGKILL inside the container; the revert starts BIRD on the config it ran", async (t) => {
  let birdUp = true;
  const containers = new RecordingContainers((_c, argv) => {
    if (argv.join(" ") === KILL_BIRD.join(" ")) birdUp = false;
    if (argv[0] === "birdc" && argv.includes("status"))
      return birdUp
        ? { stdout: "BIRD 2.0.12 ready.\nBIRD 2.0.12\nDaemon is up and running\n" }
        : { exitCode: 1 };
    if (argv[0] === "cat" && argv[1] === ACTIVE_CONFIG_MARKER) return { exitCode: 1, stderr: "No such file" };
    return undefined;
  });
  const h = handleWith(containers);
  const out = await applyFault(h, { kind: "router", action: "kill", router: "router-home" });
  t.false(birdUp);
  await out.revert?.();
  const start = containers.execs.find((e) => e.argv[0] === "bird");
  t.deepEqual(start, {
    container: "clab-xsite-router-home",
    argv: ["bird", "-c", BIRD_WRAPPER_IN_CONTAINER, "-s", "/run/bird/bird.ctl"],
  });
});

test("reconfigure: the variant and its wrapper are copied in, BIRD configured, the choice remembered", async (t) => {
  const variant = join(lab.configDir, "routers/variants/bfd-short-timers/router-home.conf");
  const wrapper = `log "/var/log/bird/bird.log" all;\ninclude "/etc/bird/bird.conf";`;
  const containers = new RecordingContainers((_c, argv) => {
    if (argv[0] === "cat" && argv[1] === BIRD_WRAPPER_IN_CONTAINER) return { stdout: wrapper };
    if (argv[0] === "cat") return { stdout: "the real file" };
    if (argv[0] === "birdc" && argv.includes("configure"))
      return { stdout: "BIRD 2.0.12 ready.\nReconfigured\n" };
    return undefined;
  });
  const h = handleWith(containers);
  const out = await applyFault(h, {
    kind: "router",
    action: "reconfigure",
    router: "router-home",
    config: variant,
  });
  t.regex(out.detail, /Reconfigured/);
  const paths = containers.files.map((f) => f.path);
  t.deepEqual(paths, ["/etc/bird/variant/bird.conf", VARIANT_WRAPPER_IN_CONTAINER, ACTIVE_CONFIG_MARKER]);
  t.is(containers.files[1]?.content.trim(), variantWrapper(wrapper));
  t.regex(containers.files[1]?.content ?? "", /^log "\/var\/log\/bird\/bird.log" all;$/m, "same logging");
  const configure = containers.execs.find((e) => e.argv.includes("configure"));
  t.is(configure?.argv.at(-1), `"${VARIANT_WRAPPER_IN_CONTAINER}"`);
});

test("reconfigure refused by BIRD is an error with BIRD's answer", async (t) => {
  const containers = new RecordingContainers((_c, argv) => {
    if (argv[0] === "cat") return { stdout: "x" };
    if (argv.includes("configure"))
      return { stdout: 'BIRD 2.0.12 ready.\n/etc/bird/variant/bird.conf:3:1 syntax error, unexpected "}"\n' };
    return undefined;
  });
  const h = handleWith(containers);
  const config = join(lab.configDir, "routers/variants/bfd-short-timers/router-home.conf");
  await t.throwsAsync(
    applyFault(h, { kind: "router", action: "reconfigure", router: "router-home", config }),
    {
      instanceOf: LabError,
      message: /router-home refused .*syntax error/,
    },
  );
});

test("speaker kill: the node's agent pod deleted at once; the revert waits for its replacement", async (t) => {
  let deleted = false;
  const tools = new RecordingTools((argv) => {
    if (argv.includes("delete")) {
      deleted = true;
      return "";
    }
    if (argv.includes("get"))
      return deleted
        ? agentList(
            "xsite-worker",
            { name: "cilium-old", ready: false, deleting: true },
            { name: "cilium-new", ready: true },
          )
        : agentList("xsite-worker", { name: "cilium-old", ready: true });
    return "";
  });
  const h = handleWith(new RecordingContainers(), tools);
  const out = await applyFault(h, { kind: "speaker", action: "kill", node: "yuuko-k8s" });
  t.regex(out.detail, /cilium-old deleted at once/);
  const del = tools.calls.find((c) => c.argv.includes("delete"))?.argv ?? [];
  t.true(del.includes("--grace-period=0") && del.includes("--force") && del.includes("cilium-old"));
  const get = tools.calls[0]?.argv ?? [];
  t.true(get.includes("spec.nodeName=xsite-worker"), "yuuko-k8s is kind's first worker");
  await out.revert?.();
  t.pass();
});

test("agent pods and peers parse from the Kubernetes and cilium-dbg JSON shapes", (t) => {
  t.deepEqual(
    parseAgentPods(agentList("n", { name: "a", ready: true }, { name: "b", ready: false, deleting: true })),
    [
      { name: "a", ready: true, deleting: false },
      { name: "b", ready: false, deleting: true },
    ],
  );
  t.deepEqual(
    parseAgentPeers(
      JSON.stringify([
        {
          "local-asn": 64514,
          "peer-asn": 64515,
          "peer-address": "192.168.0.1",
          "session-state": "established",
        },
      ]),
    ),
    [{ address: "192.168.0.1", localAsn: 64514, peerAsn: 64515, state: "established" }],
  );
  t.deepEqual(parseAgentPeers("null"), []);
  t.throws(() => parseAgentPeers("{}"), { instanceOf: LabError });
});

test("the Cilium manifests for kubectl apply carry a variant's PeerConfig and no loader fields", (t) => {
  const gr = withVariant(lab, {
    name: "gr",
    routers: {},
    peerConfig: { gracefulRestart: { enabled: true, restartTimeSeconds: 120 } },
  });
  const docs = yaml.loadAll(ciliumManifestsYaml(gr)) as Record<string, unknown>[];
  t.is(docs.length, lab.cilium.length);
  t.deepEqual(
    docs.map((d) => d.kind),
    lab.cilium.map((m) => m.kind),
  );
  t.true(docs.every((d) => !("source" in d)));
  const peer = docs.find((d) => d.kind === "CiliumBGPPeerConfig") as { spec: { gracefulRestart: unknown } };
  t.deepEqual(peer.spec.gracefulRestart, { enabled: true, restartTimeSeconds: 120 });
});

test("speaker watch: the agent's peers polled, one event per change, one note while it does not answer", async (t) => {
  const answers = ["established", "established", "fail", "fail", "active"];
  let polls = 0;
  const tools = new RecordingTools((argv) => {
    if (argv.includes("get")) return agentList("xsite-worker", { name: "cilium-a", ready: true });
    const state = answers[Math.min(polls++, answers.length - 1)];
    if (state === "fail")
      throw new Error('error: unable to upgrade connection: container not found ("cilium-agent")');
    return JSON.stringify([
      { "peer-address": "192.168.191.10", "local-asn": 64514, "peer-asn": 64513, "session-state": state },
    ]);
  });
  const h = handleWith(new RecordingContainers(), tools);
  const events: LabEvent[] = [];
  const stop = await h.watchSpeaker("yuuko-k8s", (e) => events.push(e));
  while (polls < answers.length) await new Promise((r) => setTimeout(r, 100));
  await stop();
  const seen = events.map((e) =>
    e.kind === "session"
      ? `${e.owner} ${e.peer} ${e.state} ${e.source}`
      : e.kind === "note"
        ? e.message
        : e.kind,
  );
  t.deepEqual(seen, [
    "yuuko-k8s 192.168.191.10 up poll",
    'Cilium agent of yuuko-k8s not answering: error: unable to upgrade connection: container not found ("cilium-agent")',
    "yuuko-k8s 192.168.191.10 down poll",
  ]);
  // The agent pod is looked up once, and again only after an exec into it failed.
  const lookups = tools.calls.filter((c) => c.argv.includes("get")).length;
  t.is(lookups, 3, "first poll, and after each of the two failures");
  const exec = tools.calls.find((c) => c.argv.includes("exec"))?.argv ?? [];
  t.deepEqual(exec.slice(exec.indexOf("cilium-a")), [
    "cilium-a",
    "--container",
    "cilium-agent",
    "--",
    "cilium-dbg",
    "bgp",
    "peers",
    "-o",
    "json",
  ]);
});

test("reconfigure in place: every router to the lab's bird.conf, the lab's Cilium manifests applied", async (t) => {
  const wrapper = `log "/var/log/bird/bird.log" all;\ninclude "/etc/bird/bird.conf";`;
  const real = new Map(lab.routers.map((r) => [`clab-xsite-${r.name}`, readFileSync(r.birdConf, "utf8")]));
  const containers = new RecordingContainers((c, argv) => {
    if (argv[0] === "cat" && argv[1] === BIRD_WRAPPER_IN_CONTAINER) return { stdout: wrapper };
    if (argv[0] === "cat") return { stdout: real.get(c) ?? "" };
    if (argv.includes("configure"))
      return { stdout: "BIRD 2.0.12 ready.\nReading configuration from x\nReconfigured\n" };
    return undefined;
  });
  const tools = new RecordingTools();
  const h = handleWith(containers, tools);
  const bfd = withVariant(lab, {
    name: "bfd",
    routers: { "router-home": join(lab.configDir, "routers/variants/bfd-short-timers/router-home.conf") },
    peerConfig: { gracefulRestart: { enabled: true } },
  });
  const what = await h.withLab(bfd).reconfigure();
  t.regex(what, /router-home: .*Reconfigured; router-mine: .*Reconfigured; \d+ Cilium manifests applied/);
  // router-home gets the variant copied in; router-mine's file is the bound real one: no copy.
  t.deepEqual(
    containers.files.map((f) => `${f.container} ${f.path}`),
    [
      "clab-xsite-router-home /etc/bird/variant/bird.conf",
      `clab-xsite-router-home ${VARIANT_WRAPPER_IN_CONTAINER}`,
      `clab-xsite-router-home ${ACTIVE_CONFIG_MARKER}`,
    ],
  );
  const mineConfigure = containers.execs.find(
    (e) => e.container === "clab-xsite-router-mine" && e.argv.includes("configure"),
  );
  t.is(mineConfigure?.argv.at(-1), `"${BIRD_WRAPPER_IN_CONTAINER}"`);
  const apply = tools.calls.find((c) => c.argv.includes("apply"));
  t.deepEqual(apply?.argv.slice(-3), ["apply", "-f", "-"]);
  t.regex(apply?.input ?? "", /kind: CiliumBGPPeerConfig[\s\S]*gracefulRestart:\n\s+enabled: true/);
});

test("pod CIDRs: where the cluster's join-order allocation differs from the topology", async (t) => {
  // kind's allocation for this lab: control plane first, then the workers as they joined.
  const allocation: Record<string, string> = {
    "xsite-control-plane": "10.42.0.0/24",
    "xsite-worker": "10.42.1.0/24",
    "xsite-worker2": "10.42.2.0/24",
  };
  const tools = new RecordingTools((argv) =>
    argv.includes("nodes")
      ? JSON.stringify({
          items: Object.entries(allocation).map(([name, cidr]) => ({
            metadata: { name },
            spec: { podCIDR: cidr, podCIDRs: [cidr] },
          })),
        })
      : "",
  );
  const order = ["sakamoto", "yuuko-k8s", "nano"];
  const allocated = await handleWith(new RecordingContainers(), tools).podCidrs();
  // The handle names the topology's nodes, not the Kubernetes ones.
  t.deepEqual(allocated, new Map(order.map((node, i) => [node, [Object.values(allocation)[i] as string]])));
  const map = podCidrMap(lab, allocated);
  const expected = new Map<string, string>();
  for (const n of lab.nodes) {
    const actual = Object.values(allocation)[order.indexOf(n.name)];
    if (actual && actual !== n.podCidr.text) expected.set(n.podCidr.text, actual);
  }
  t.deepEqual(map, expected);
  t.true(map.size > 0, "the seed's 10.42.3.0/24 for yuuko-k8s cannot come out of a 3-node join order");
});

test("impairments add up per end, as the relay's do: a burst keeps the delay set before it", async (t) => {
  const containers = new RecordingContainers();
  const tools = new RecordingTools();
  const h = handleWith(containers, tools);
  await applyFault(h, {
    kind: "link",
    action: "impair",
    direction: "both",
    impairment: { delayMs: 40, jitterMs: 10, lossPct: 2 },
  });
  const burst = { pEnterBad: 10, pLeaveBad: 40, lossInBadPct: 100, lossInGoodPct: 0 };
  const out = await applyFault(h, {
    kind: "link",
    action: "impair",
    direction: "both",
    impairment: { burst },
  });
  const tc = containers.execs.filter((e) => e.argv[0] === "tc" && e.argv[2] === "replace");
  t.is(tc.length, 2);
  t.deepEqual(tc[0]?.argv.slice(7), ["delay", "40ms", "10ms", "loss", "gemodel", "10%", "40%", "100%", "0%"]);
  t.regex(out.detail, /^impair \{"burst":\{.*\}\} \(both\): on zt0 of router-home: tc netem .*"delayMs":40/);
  await applyFault(h, { kind: "link", action: "reset" });
  await applyFault(h, { kind: "link", action: "impair", direction: "both", impairment: { delayMs: 5 } });
  const last = tools.calls.at(-1)?.argv ?? [];
  t.true(
    last.includes("5ms") && !last.includes("--loss"),
    `after a reset nothing is left to add to: ${last.join(" ")}`,
  );
});

test("expecting a node NotReady is refused on clab, with why, touching nothing; expecting Ready is not", async (t) => {
  const containers = new RecordingContainers();
  const tools = new RecordingTools();
  const h = handleWith(containers, tools);
  const s = scenario("node-notready");
  const refused = h.unsupported(s);
  t.deepEqual(
    refused.map((r) => (r.step.kind === "expect" && r.step.expect.kind === "node" ? r.step.expect.name : "")),
    ["yuuko-k8s"],
  );
  t.regex(refused[0]?.why ?? "", /kubelets reach the API server over the kind\/k3d docker network/);
  const result = await runScenario(h, s, s.variants[0] as never);
  t.is(result.status, "skipped");
  t.regex(result.skipReason ?? "", /^line \d+: expect node yuuko-k8s NotReady: /);
  t.deepEqual(tools.calls, []);
  t.deepEqual(containers.execs, []);
  // The same scenario expecting only Ready (and the link fault) runs on clab.
  const readyOnly = {
    ...s,
    steps: s.steps.filter((x) => !(x.kind === "expect" && x.expect.kind === "node" && !x.expect.ready)),
  };
  t.deepEqual(h.unsupported(readyOnly), []);
  t.deepEqual(needsClusterNodes(h, readyOnly), [], "clab reads node readiness now");
});

/** `kubectl get nodes -o json` of the kind lab while yuuko-k8s's kubelet is unreachable (recorded shape). */
const NODES_JSON = JSON.stringify({
  apiVersion: "v1",
  kind: "List",
  items: [
    {
      metadata: {
        name: "xsite-control-plane",
        creationTimestamp: "2026-12-03T07:00:00Z",
        labels: {
          "node-role.kubernetes.io/control-plane": "",
          "kubernetes.io/hostname": "xsite-control-plane",
        },
      },
      spec: { podCIDR: "10.42.0.0/24", podCIDRs: ["10.42.0.0/24"] },
      status: {
        conditions: [
          { type: "MemoryPressure", status: "False", lastTransitionTime: "2026-12-03T07:00:00Z" },
          {
            type: "Ready",
            status: "True",
            lastHeartbeatTime: "2026-12-03T07:20:01Z",
            lastTransitionTime: "2026-12-03T07:01:30Z",
          },
        ],
      },
    },
    {
      metadata: {
        name: "xsite-worker",
        creationTimestamp: "2026-12-03T07:00:40Z",
        labels: { "node-type": "remote" },
      },
      spec: {
        podCIDR: "10.42.3.0/24",
        taints: [
          { key: "node.kubernetes.io/unreachable", effect: "NoSchedule", timeAdded: "2026-12-03T07:10:50Z" },
          { key: "node.kubernetes.io/unreachable", effect: "NoExecute", timeAdded: "2026-12-03T07:10:55Z" },
        ],
      },
      status: {
        conditions: [
          {
            type: "Ready",
            status: "Unknown",
            reason: "NodeStatusUnknown",
            lastHeartbeatTime: "2026-12-03T07:10:00Z",
            lastTransitionTime: "2026-12-03T07:10:50Z",
          },
        ],
      },
    },
    {
      metadata: { name: "xsite-worker2", creationTimestamp: "2026-12-03T07:00:41Z", labels: {} },
      status: { conditions: [{ type: "Ready", status: "True", lastTransitionTime: "2026-12-03T07:01:35Z" }] },
    },
    {
      metadata: { name: "not-in-the-topology" },
      status: { conditions: [{ type: "Ready", status: "True" }] },
    },
  ],
});

const podJson = (name: string, node: string, deleting?: { at: string; grace: number }) => ({
  metadata: {
    name,
    namespace: "xsite-probes",
    ...(deleting ? { deletionTimestamp: deleting.at, deletionGracePeriodSeconds: deleting.grace } : {}),
  },
  spec: {
    nodeName: node,
    tolerations: [
      {
        key: "node.kubernetes.io/not-ready",
        operator: "Exists",
        effect: "NoExecute",
        tolerationSeconds: 300,
      },
      {
        key: "node.kubernetes.io/unreachable",
        operator: "Exists",
        effect: "NoExecute",
        tolerationSeconds: 300,
      },
    ],
  },
});

test("clusterNodes: the API server's nodes under the topology's names, from recorded kubectl output", async (t) => {
  const at = (iso: string) => Date.parse(iso);
  const pods = (deleting: boolean) =>
    JSON.stringify({
      items: [
        podJson("sakamoto-pod1", "xsite-control-plane"),
        podJson(
          "yuuko-k8s-pod1",
          "xsite-worker",
          deleting ? { at: "2026-12-03T07:16:25Z", grace: 30 } : undefined,
        ),
        podJson("yuuko-k8s-pod2", "xsite-worker"),
        podJson("nano-pod1", "xsite-worker2"),
      ],
    });
  let deleting = false;
  const tools = new RecordingTools((argv) => (argv.includes("nodes") ? NODES_JSON : pods(deleting)));
  const h = handleWith(new RecordingContainers(), tools);
  const nodes = await (h as LabHandle).clusterNodes?.();
  t.deepEqual(
    tools.calls.map((c) => c.argv.slice(3)),
    [
      ["get", "nodes", "-o", "json"],
      ["get", "pods", "--namespace", "xsite-probes", "-o", "json"],
    ],
  );
  t.true(tools.calls.every((c) => c.argv[0] === "kubectl" && c.argv[1] === "--kubeconfig"));
  t.deepEqual(
    nodes?.map((n) => [n.name, n.role, n.ready]),
    [
      ["sakamoto", "control-plane", true],
      ["yuuko-k8s", "worker", false],
      ["nano", "worker", true],
    ],
  );
  const yuuko = nodes?.find((n) => n.name === "yuuko-k8s");
  t.is(yuuko?.registeredAt, at("2026-12-03T07:00:40Z"));
  t.is(yuuko?.transitionAt, at("2026-12-03T07:10:50Z"), "Ready went Unknown then");
  t.is(
    yuuko?.evictionDueAt,
    at("2026-12-03T07:10:55Z") + 300_000,
    "the NoExecute taint + the pods' toleration",
  );
  t.deepEqual(yuuko?.pods, ["yuuko-k8s-pod1", "yuuko-k8s-pod2"]);
  t.deepEqual(yuuko?.evicted, []);
  t.is(nodes?.find((n) => n.name === "sakamoto")?.evictionDueAt, null);
  // Evicted: deletion requested (deletionTimestamp - grace) and stuck Terminating on the lost node.
  const before = nodes ?? [];
  deleting = true;
  const after = (await (h as LabHandle).clusterNodes?.()) ?? [];
  t.deepEqual(after.find((n) => n.name === "yuuko-k8s")?.evicted, [
    { pod: "yuuko-k8s-pod1", at: at("2026-12-03T07:15:55Z") },
  ]);
  // The scenario's node source turns the reads into events at the API server's own times.
  const readyBefore = before.map((n) => (n.name === "yuuko-k8s" ? { ...n, ready: true } : n));
  t.deepEqual(
    nodeChanges(readyBefore, after).map((e) => (e.kind === "node" ? [e.node, e.change, e.t] : [])),
    [
      ["yuuko-k8s", "notready", at("2026-12-03T07:10:50Z")],
      ["yuuko-k8s", "evicted", at("2026-12-03T07:15:55Z")],
    ],
  );
});

test("clusterNodes: a deletion on a node without an eviction taint is not an eviction; no taint, no due time", (t) => {
  const nodes = JSON.stringify({
    items: [
      {
        metadata: { name: "xsite-worker" },
        status: {
          conditions: [{ type: "Ready", status: "False", lastTransitionTime: "2026-12-03T07:10:50Z" }],
        },
      },
    ],
  });
  const podsJson = JSON.stringify({
    items: [podJson("yuuko-k8s-pod1", "xsite-worker", { at: "2026-12-03T07:16:25Z", grace: 30 })],
  });
  const [yuuko] = parseClusterNodes({ lab, k8s: "kind", cluster: "xsite", nodesJson: nodes, podsJson });
  t.is(yuuko?.name, "yuuko-k8s");
  t.false(yuuko?.ready);
  t.deepEqual(yuuko?.evicted, []);
  t.is(yuuko?.evictionDueAt, null);
});

test("the topology's internet path is netem on each router's zt0: reset and clear return to it", async (t) => {
  const containers = new RecordingContainers();
  const tools = new RecordingTools();
  const h = handleWith(containers, tools);
  const how = await h.faults.linkReset();
  t.regex(how, /topology's path/);
  const netem = tools.calls.map((c) => c.argv);
  // The seed's 20 ms round trip, ±1 ms each way: 10 ms out of each end.
  for (const r of ["router-home", "router-mine"])
    t.deepEqual(
      netem.find((a) => a.includes(`clab-xsite-${r}`)),
      netemArgv(`clab-xsite-${r}`, "zt0", { delayMs: 10, jitterMs: 1, lossPct: 0 }),
      r,
    );
  tools.calls = [];
  await h.faults.linkImpair("home->mine", { lossPct: 5 });
  t.true(tools.calls[0]?.argv.includes("--delay"), "an impairment adds to the path");
  tools.calls = [];
  await h.faults.linkClearImpairment("home->mine");
  t.deepEqual(
    tools.calls.map((c) => c.argv),
    [netemArgv("clab-xsite-router-home", "zt0", { delayMs: 10, jitterMs: 1, lossPct: 0 })],
  );
});

test("a site whose paths differ gets one figure on clab, with a warning", (t) => {
  const [p] = lab.zerotier.paths;
  if (!p) throw new Error("the seed states a path");
  const third = { ...lab.sites[0], name: "far", router: "router-far" } as (typeof lab.sites)[number];
  const grown = {
    ...lab,
    sites: [...lab.sites, third],
    zerotier: {
      ...lab.zerotier,
      paths: [p, { ...p, sites: ["home", "far"] as [string, string], rttMs: 80 }],
    },
  };
  const b = routerBaselines(grown);
  t.deepEqual(b.byRouter.get("router-home"), { delayMs: 10, jitterMs: 1, lossPct: 0 });
  t.deepEqual(b.byRouter.get("router-far"), { delayMs: 40, jitterMs: 1, lossPct: 0 });
  t.is(b.warnings.length, 1);
  t.regex(b.warnings[0] ?? "", /router-home's zt0 is one link.*home->far/);
  t.deepEqual(routerBaselines(lab).warnings, [], "the seed's two sites: one path, no warning");
});
