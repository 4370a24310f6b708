// Guards on a snapshot: the built-in ones hold on the converged seed's state and each fails on
// the mistake it is about; the operator's file is checked with positions before anything runs.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { ValidationError } from "../../../lab/config/diagnostics.ts";
import { builtinGuards } from "../../../lab/guards/builtin.ts";
import { checkGuards, checkOperatorGuards, formatGuards, guardsHold } from "../../../lab/guards/check.ts";
import { guardsFile, loadGuards } from "../../../lab/guards/load.ts";
import { loadLab } from "../../../lab/topology/load.ts";
import { sampleSnapshot } from "../snapshot/sample.ts";

const seed = await loadLab();
// The sample has two nodes (yuuko-k8s and sakamoto); the lab the guards read agrees with it.
const lab = { ...seed, nodes: seed.nodes.filter((n) => n.name !== "nano") };

const failing = (s = sampleSnapshot()) =>
  builtinGuards(s, lab)
    .filter((g) => !g.ok)
    .map((g) => [g.name, ...g.problems]);

test("the built-in guards hold on a converged state", (t) => {
  t.deepEqual(failing(), []);
});

test("a pod CIDR missing from a FIB and unreachable from a site fails reachability", (t) => {
  const s = sampleSnapshot();
  const mine = s.routers[1];
  if (mine) mine.fib = mine.fib.filter((f) => f.dst !== "10.42.3.0/24");
  for (const p of s.reachability) if (p.toNode === "yuuko-k8s") p.icmp = false;
  t.deepEqual(failing(s), [
    [
      "builtin: every pod CIDR reachable from every site",
      "10.42.3.0/24 (yuuko-k8s) is not in router-mine's FIB",
      "no pod at site mine reaches yuuko-k8s's pods (sakamoto-pod1)",
    ],
  ]);
});

test("a node announcing another node's pod CIDR fails ownership and only-pod-CIDRs", (t) => {
  const s = sampleSnapshot();
  s.nodes[1]?.advertises.push("10.42.3.0/24");
  t.deepEqual(failing(s), [
    [
      "builtin: each pod CIDR announced only by its own node",
      "sakamoto announces 10.42.3.0/24, the pod CIDR of yuuko-k8s",
    ],
    [
      "builtin: no route learned from a node other than its pod CIDR",
      "10.42.3.0/24 is accepted from sakamoto, not its pod CIDR",
    ],
  ]);
});

test("a default route or a pod supernet sent to a node fails; a more specific route does not", (t) => {
  const s = sampleSnapshot();
  s.nodes[0]?.receives.push("0.0.0.0/0", "10.0.0.0/8", "10.42.0.0/16", "10.42.7.0/24");
  t.deepEqual(failing(s), [
    [
      "builtin: no default route or pod supernet learned by a node",
      "yuuko-k8s is sent 0.0.0.0/0 (a default route)",
      "yuuko-k8s is sent 10.0.0.0/8 (covers the pod range 10.42.0.0/16)",
      "yuuko-k8s is sent 10.42.0.0/16 (covers the pod range 10.42.0.0/16)",
    ],
  ]);
});

test("a session not Established, on a router or a node, fails", (t) => {
  const s = sampleSnapshot();
  const r = s.routers[0]?.sessions[1];
  if (r) r.state = "Active";
  const n = s.nodes[1]?.sessions[0];
  if (n) n.state = "idle";
  t.deepEqual(failing(s), [
    [
      "builtin: every session Established",
      "router-home: router_mine to 192.168.191.12 is Active",
      "sakamoto: session to 192.168.6.1 is idle",
    ],
  ]);
});

function guardsIn(text: string) {
  const dir = mkdtempSync(join(tmpdir(), "lab-guards-"));
  const file = join(dir, "guards.yaml");
  writeFileSync(file, text);
  try {
    return loadGuards(lab, file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("the seed's guards.yaml loads and holds on a converged state", (t) => {
  const guards = loadGuards(seed, guardsFile(seed));
  t.true(guards.length > 0);
  const results = checkOperatorGuards(guards, sampleSnapshot());
  t.deepEqual(
    results.filter((g) => !g.ok).map((g) => g.name),
    [],
  );
});

test("operator guards: route, never, session and metric, each failing with what it saw", (t) => {
  const guards = guardsIn(
    [
      "routes:",
      "  - { router: router-mine, prefix: 10.42.3.0/24, via: 192.168.191.99 }",
      "  - { router: router-home, prefix: 10.42.9.0/24 }",
      "never:",
      "  - { prefix: 10.42.0.0/24, on: [yuuko-k8s] }",
      "sessions:",
      "  - { on: router-mine, peer: 192.168.191.10 }",
      "  - { on: sakamoto, peer: 192.168.6.9 }",
      "metrics:",
      "  - { scenario: zt-outage-30s, metric: blackhole_ms, max: 1000 }",
      "  - { scenario: cold-start, metric: converged_ms, max: 1000 }",
      "",
    ].join("\n"),
  );
  const results = checkOperatorGuards(guards, sampleSnapshot(), {
    metrics: (scenario, metric) =>
      scenario === "zt-outage-30s" && metric === "blackhole_ms" ? [400, 31_360] : null,
  });
  t.deepEqual(
    results.map((g) => [g.ok, g.name.replace(/^.*guards\.yaml:/, ""), ...g.problems]),
    [
      [
        false,
        "2: route 10.42.3.0/24 at router-mine via 192.168.191.99",
        "10.42.3.0/24 at router-mine is via 192.168.191.10, not 192.168.191.99",
      ],
      [false, "3: route 10.42.9.0/24 at router-home", "10.42.9.0/24 is missing at router-home"],
      [false, "5: never 10.42.0.0/24 on yuuko-k8s", "10.42.0.0/24 is sent to yuuko-k8s"],
      [true, "7: session router-mine -> 192.168.191.10 Established"],
      [false, "8: session sakamoto -> 192.168.6.9 Established", "sakamoto has no session to 192.168.6.9"],
      [false, "10: zt-outage-30s blackhole_ms <= 1000", "blackhole_ms 31360 > 1000 (run 2)"],
      [null, "11: cold-start converged_ms <= 1000", "scenario cold-start did not run"],
    ],
  );
  t.false(guardsHold(results));
  t.regex(formatGuards(results), /^skip {2}.*cold-start/m);
});

test("a guard not checked fails nothing", (t) => {
  const results = checkGuards(
    sampleSnapshot(),
    lab,
    guardsIn("metrics:\n  - { scenario: cold-start, metric: x, max: 1 }\n"),
  );
  t.true(guardsHold(results));
});

test("bad guards: every problem with file:line:col, field and hint", (t) => {
  const err = t.throws(
    () =>
      guardsIn(
        [
          "routes:",
          "  - { router: router-mien, prefix: 10.42.3.1/24 }",
          "never:",
          "  - { prefix: 10.42.0.0/33 }",
          "sessions:",
          "  - { on: sakamoto, peer: router_mine }",
          "metrics:",
          "  - { scenario: zt-outage-31s, metric: blackhole_ms, min: 5, max: 1 }",
          "  - { scenario: cold-start, metric: converged_ms }",
          "bogus: 1",
          "",
        ].join("\n"),
      ),
    { instanceOf: ValidationError },
  );
  // The schema's problems come first (nothing else is read until they are fixed).
  t.regex(err.message, /guards\.yaml:9:\d+: metrics\[1\]: /);
  t.regex(err.message, /guards\.yaml:10:\d+: bogus: unknown key "bogus"/);
  const refs = t.throws(
    () =>
      guardsIn(
        [
          "routes:",
          "  - { router: router-mien, prefix: 10.42.3.1/24 }",
          "never:",
          "  - { prefix: 10.42.0.0/33 }",
          "sessions:",
          "  - { on: sakamoto, peer: router_mine }",
          "metrics:",
          "  - { scenario: zt-outage-31s, metric: blackhole_ms, min: 5, max: 1 }",
          "",
        ].join("\n"),
      ),
    { instanceOf: ValidationError },
  );
  const lines = refs.message.split("\n").slice(1);
  t.is(lines.length, 6, refs.message);
  t.regex(
    refs.message,
    /guards\.yaml:2:\d+: routes\[0\]\.router: no router "router-mien" in the topology \(did you mean "router-mine"\?\)/,
  );
  t.regex(
    refs.message,
    /guards\.yaml:2:\d+: routes\[0\]\.prefix: "10\.42\.3\.1\/24" has host bits set \(did you mean "10\.42\.3\.0\/24"\?\)/,
  );
  t.regex(refs.message, /guards\.yaml:4:\d+: never\[0\]\.prefix: "10\.42\.0\.0\/33" is not an IPv4 prefix/);
  t.regex(refs.message, /guards\.yaml:6:\d+: sessions\[0\]\.peer: a node's peer is an address/);
  t.regex(refs.message, /guards\.yaml:8:\d+: metrics\[0\]\.scenario: no scenario "zt-outage-31s"/);
  t.regex(refs.message, /guards\.yaml:8:\d+: metrics\[0\]: min 5 is above max 1/);
});

test("no guards file: no operator guards", (t) => {
  t.deepEqual(loadGuards(lab, "/nonexistent/guards.yaml"), []);
});
