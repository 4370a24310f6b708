// The convergence checks, written once for every runtime, against a lab handle whose answers a
// test sets: what each check says when a router's BIRD, a node's speaker, a FIB, a ping or a
// kubelet is wrong, and the diagnosis the wait gives when its budget runs out. BIRD's answers are
// captured replies (tests/fixtures/bird) with the neighbor address set to a seed router's.
import test from "ava";
import {
  checkKubelets,
  checkPodPing,
  checkRoutes,
  checkSessions,
  convergenceChecks,
  expectedRoutes,
  readConvergence,
  waitConverged,
} from "../../../lab/observe/convergence.ts";
import type { FibRoute, LabHandle, SpeakerInstance } from "../../../lab/runtime/kind.ts";
import { loadLab } from "../../../lab/topology/load.ts";
import type { Lab } from "../../../lab/topology/model.ts";
import { TimeoutError } from "../../../lab/util/errors.ts";
import { fixtureReply } from "../../fixtures/bird/load.ts";

const seed = await loadLab();
// The seed's nodes without test pods: the ping check has nothing to do unless a test adds pods.
const lab: Lab = { ...seed, nodes: seed.nodes.map((n) => ({ ...n, pods: [] })) };

/** BIRD's `show protocols all` with one BGP protocol to router-mine, Established or not. */
const established = fixtureReply("long-b-protocols-all-peer_a").text.replaceAll(
  "192.168.250.1",
  "192.168.191.12",
);
const down = fixtureReply("long-a-protocols-all-peer_b-down").text.replaceAll(
  "192.168.250.2",
  "192.168.191.12",
);

interface Answers {
  bird: (router: string) => string | Error;
  speakers: (node: string) => SpeakerInstance[] | Error;
  fib: (router: string) => FibRoute[];
  kubelet: (node: string) => true | string;
}

const session = (state: string) => ({
  address: "192.168.6.1",
  state,
  localAs: 64514,
  peerAs: 64513,
  uptimeSince: null,
  received: 0,
  accepted: 0,
  advertised: 1,
});

function healthy(): Answers {
  return {
    bird: () => established,
    speakers: () => [{ instance: "home", localAs: 64514, sessions: [session("established")] }],
    fib: (router) =>
      expectedRoutes(lab)
        .filter((r) => r.router === router)
        .map((r) => ({ dst: r.prefix, gateway: r.via })),
    kubelet: () => true,
  };
}

/** Only what the checks read; anything else is a test bug and throws. */
function handle(a: Answers, l: Lab = lab): LabHandle {
  const used: Partial<LabHandle> = {
    lab: l,
    speakerName: "gobgpd",
    bird: async (router) => {
      const r = a.bird(router);
      if (r instanceof Error) throw r;
      return r;
    },
    speakers: async (node) => {
      const r = a.speakers(node);
      if (r instanceof Error) throw r;
      return r;
    },
    fib: async (router) => a.fib(router),
    podCidrs: async () => new Map(l.nodes.map((n) => [n.name, [n.podCidr.text]])),
    kubeletReachable: async (node) => a.kubelet(node),
    addressOf: async (target) => target,
    enter: async () => ["true"],
  };
  return new Proxy(used as LabHandle, {
    get: (target, key) => {
      if (key in target) return target[key as keyof LabHandle];
      throw new Error(`the checks read handle.${String(key)}`);
    },
  });
}

test("a healthy lab passes every check, in order", async (t) => {
  const results = await readConvergence(handle(healthy()));
  t.deepEqual(
    results.map((r) => [r.name, r.ok]),
    [
      ["BGP sessions Established", true],
      ["pod CIDRs in router FIBs", true],
      ["cross-site pod ping", true],
      ["control plane reaches remote kubelets", true],
    ],
  );
});

test("sessions: a silent BIRD, a protocol not Established with BIRD's last error, a silent or peerless speaker", async (t) => {
  const a = healthy();
  a.bird = (r) => (r === "router-home" ? new Error("connect ENOENT /x/bird.ctl") : down);
  a.speakers = (n) =>
    n === "sakamoto"
      ? new Error("gobgp: connection refused")
      : n === "nano"
        ? [{ instance: "mine", localAs: 64514, sessions: [] }]
        : [{ instance: "home", localAs: 64514, sessions: [session("active")] }];
  const r = await checkSessions(handle(a));
  t.false(r.ok);
  t.deepEqual(r.problems, [
    "router-home: BIRD does not answer (connect ENOENT /x/bird.ctl)",
    "router-mine: protocol peer_b to 192.168.191.12 is start/Active (Received: Administrative shutdown), last error: Received: Administrative shutdown",
    "yuuko-k8s: session to 192.168.6.1 (AS 64513) is active",
    "sakamoto: gobgpd does not answer (gobgp: connection refused)",
    "nano: gobgpd reports no BGP peer",
  ]);
});

test("routes: a FIB that cannot be read is one line per router", async (t) => {
  const a = healthy();
  a.fib = () => {
    throw new Error("ip: netns gone\nsecond line");
  };
  const r = await checkRoutes(handle(a));
  t.deepEqual(r.problems, ["router-home: ip: netns gone", "router-mine: ip: netns gone"]);
});

test("routes: a prefix missing from a FIB, or there via the wrong next hop", async (t) => {
  const a = healthy();
  const good = a.fib;
  a.fib = (router) =>
    router === "router-mine"
      ? good(router)
          .filter((x) => x.dst !== "10.42.3.0/24")
          .map((x) => (x.dst === "10.42.1.0/24" ? { ...x, gateway: "192.168.6.99" } : x))
      : good(router);
  const r = await checkRoutes(handle(a));
  t.deepEqual(r.problems, [
    "router-mine: 10.42.3.0/24 (yuuko-k8s) missing from the FIB, expected via 192.168.191.10",
    "router-mine: 10.42.1.0/24 via 192.168.6.99, expected via 192.168.6.81",
  ]);
});

test("ping: a pod pair that cannot be entered is a problem naming both pods, not an exception", async (t) => {
  const r = await checkPodPing(handle(healthy(), seed));
  t.false(r.ok);
  t.is(r.problems.length, 1, "one pair: sakamoto's first pod to yuuko-k8s's first pod");
  t.regex(r.problems[0] ?? "", /^pod sakamoto-\S+ -> yuuko-k8s-\S+ \(yuuko-k8s-\S+\): 0\/3 replies$/);
});

test("kubelet: what the handle says is wrong, for each remote node only", async (t) => {
  const asked: string[] = [];
  const a = healthy();
  a.kubelet = (n) => {
    asked.push(n);
    return `API server -> ${n} kubelet: timeout`;
  };
  const r = await checkKubelets(handle(a));
  t.deepEqual(asked, ["yuuko-k8s"], "sakamoto is the control plane; nano shares its site");
  t.deepEqual(r.problems, ["API server -> yuuko-k8s kubelet: timeout"]);
});

test("a check that throws fails with its message; the wait's diagnosis lists every failing check", async (t) => {
  const a = healthy();
  a.fib = () => {
    throw new Error("ip: netns gone\nsecond line");
  };
  a.kubelet = () => "no answer";
  const h = handle(a);
  // Not caught per router: the whole check fails with the first lines of the message.
  h.podCidrs = async () => {
    throw new Error("kubectl: connection refused\nretrying");
  };
  const err = await t.throwsAsync(
    waitConverged(convergenceChecks(h), {
      t0: performance.now(),
      budgetMs: 300,
      intervalMs: 100,
      progress: () => {},
    }),
    { instanceOf: TimeoutError },
  );
  t.is(
    err?.diagnosis,
    "pod CIDRs in router FIBs:\n  kubectl: connection refused retrying\ncontrol plane reaches remote kubelets:\n  no answer",
  );
});
