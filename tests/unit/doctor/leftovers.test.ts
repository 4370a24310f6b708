// How doctor and `down --all` tell a lab's namespaces, work dirs and daemons from everything else,
// and how they judge them: running, being brought up, or leftovers to remove.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import type { Probe } from "../../../lab/doctor/probe.ts";
import { clabLabFindings, clabLabStates } from "../../../lab/runtime/clab/leftovers.ts";
import { clabPaths, writeState } from "../../../lab/runtime/clab/paths.ts";
import type { JournalEntry } from "../../../lab/runtime/netns/journal.ts";
import {
  collectLabStates,
  DOWN_ALL,
  type LabState,
  labOfNamespace,
  labWorkDirs,
  leftoverFindings,
  recognisedLabs,
} from "../../../lab/runtime/netns/leftovers.ts";
import { planNetns } from "../../../lab/runtime/netns/plan.ts";
import { loadLab } from "../../../lab/topology/load.ts";

test("a namespace's lab is the valid lab name before its first dash", (t) => {
  t.is(labOfNamespace("xsite-router-home"), "xsite");
  t.is(labOfNamespace("xsite-yuuko-k8s-pod1"), "xsite");
  t.is(labOfNamespace("itlab-inet"), "itlab");
  t.is(labOfNamespace("xsite"), null);
  t.is(labOfNamespace("xsite-"), null);
  t.is(labOfNamespace("-inet"), null);
  t.is(labOfNamespace("Xsite-inet"), null, "lab names are lowercase");
  t.is(labOfNamespace("1lab-inet"), null, "lab names start with a letter");
  t.is(labOfNamespace("toolongname-inet"), null, "lab names have at most 8 characters");
  t.is(labOfNamespace("cni-1234abcd"), "cni", "a name alone is not enough: the marker decides");
});

test("only prefixes with a <lab>-inet namespace are labs; everything else is left alone", (t) => {
  const labs = recognisedLabs([
    "xsite-inet",
    "xsite-router-home",
    "xsite-sw-home",
    "gexp1",
    "cni-1234abcd",
    "cni-5678",
    "docker-foo",
    "labdoctor12",
    "b-inet",
    "b-x-inet",
    "xsite2-router-home",
    "x-router",
  ]);
  t.deepEqual(Object.fromEntries(labs), {
    xsite: ["xsite-inet", "xsite-router-home", "xsite-sw-home"],
    b: ["b-inet", "b-x-inet"],
  });
});

test("every namespace of the seed lab, under any valid lab name, is recognised as that lab's", async (t) => {
  const seed = await loadLab();
  for (const name of ["xsite", "a", "itlab", "z1234567"]) {
    const names = planNetns({ ...seed, name }).namespaces.map((n) => n.name);
    t.deepEqual(Object.fromEntries(recognisedLabs([...names, "other-ns", "gexp1"])), {
      [name]: [...names].sort(),
    });
  }
});

const lab = (over: Partial<LabState>): LabState => ({
  name: "xsite",
  workDir: "/repo/.lab/xsite",
  namespaces: ["xsite-inet", "xsite-router-home"],
  missingNamespaces: [],
  journaled: [{ pid: 10, name: "bird:router-home", ns: "xsite-router-home", alive: true }],
  unjournaled: [],
  up: { pid: 9, alive: false },
  converged: true,
  ...over,
});

test("nothing on the machine: one ok finding", (t) => {
  t.deepEqual(
    leftoverFindings({ labs: [], staleScratch: [] }).map((f) => f.severity),
    ["ok"],
  );
});

test("a running, converged lab is information with how to stop it, not a leftover", (t) => {
  const f = leftoverFindings({ labs: [lab({})], staleScratch: [] });
  t.is(f.length, 1);
  t.is(f[0]?.severity, "info");
  t.regex(f[0]?.message ?? "", /lab xsite is running: 1 daemons \(1 bird\), 2 namespaces; to stop it:/);
  t.is(f[0]?.fix, "npm run lab -- down --name xsite");
});

test("a lab whose `up` is still running is not a leftover", (t) => {
  const f = leftoverFindings({
    labs: [lab({ up: { pid: 9, alive: true }, converged: false })],
    staleScratch: [],
  });
  t.is(f[0]?.severity, "info");
  t.regex(f[0]?.message ?? "", /`up` is in progress \(pid 9\)/);
  t.false(f.some((x) => x.fix === DOWN_ALL));
});

test("a lab whose `run` still injects faults is not a leftover, even with a daemon it killed", (t) => {
  const f = leftoverFindings({
    labs: [
      lab({
        up: { pid: 9, alive: true },
        journaled: [{ pid: 10, name: "bird:router-home", ns: "xsite-router-home", alive: false }],
      }),
    ],
    staleScratch: [],
  });
  t.is(f.length, 1);
  t.is(f[0]?.severity, "info");
  t.regex(f[0]?.message ?? "", /still works on it/);
});

test("a journal whose daemons died or whose namespaces are gone is a leftover: down --name, then down --all", (t) => {
  const f = leftoverFindings({
    labs: [
      lab({
        journaled: [
          { pid: 10, name: "bird:router-home", ns: "xsite-router-home", alive: false },
          { pid: 11, name: "relay", ns: "xsite-inet", alive: true },
        ],
        missingNamespaces: ["xsite-nano"],
      }),
    ],
    staleScratch: [],
  });
  t.is(f[0]?.severity, "warn");
  t.regex(
    f[0]?.message ?? "",
    /stale work dir \/repo\/\.lab\/xsite \(1 of 2 recorded processes dead, 1 recorded namespace gone\)/,
  );
  t.true(f[0]?.details?.includes("dead: bird:router-home (pid 10)"));
  t.true(f[0]?.details?.includes("gone: xsite-nano"));
  t.is(f[0]?.fix, "npm run lab -- down --name xsite");
  t.is(f.at(-1)?.fix, DOWN_ALL);
});

test("namespaces without a work dir, with BIRD and gobgpd still in them, are leftovers", (t) => {
  const f = leftoverFindings({
    labs: [
      lab({
        name: "old",
        workDir: null,
        namespaces: ["old-inet", "old-router-mine", "old-nano"],
        journaled: [],
        unjournaled: [
          { pid: 20, name: "bird", ns: "old-router-mine" },
          { pid: 21, name: "gobgpd", ns: "old-nano" },
          { pid: 22, name: "node", ns: "old-inet" },
        ],
        up: null,
      }),
    ],
    staleScratch: [],
  });
  t.is(f[0]?.severity, "warn");
  t.is(f[0]?.message, "lab old: 3 namespaces without a work dir, 3 processes still running in them");
  t.deepEqual(f[0]?.details, [
    "namespaces: old-inet, old-router-mine, old-nano",
    "bird pid 20 in old-router-mine",
    "gobgpd pid 21 in old-nano",
    "other processes: 1 node",
  ]);
  t.is(f[0]?.fix, "npm run lab -- down --name old");
  t.is(f[1]?.fix, DOWN_ALL);
});

test("a stray BIRD in a running lab's namespace is a warning; down --all mentions the running lab", (t) => {
  const f = leftoverFindings({
    labs: [
      lab({ unjournaled: [{ pid: 30, name: "bird", ns: "xsite-router-home" }] }),
      lab({ name: "other", workDir: null, namespaces: ["other-inet"], journaled: [], up: null }),
    ],
    staleScratch: [],
  });
  t.is(f[0]?.severity, "warn");
  t.deepEqual(f[0]?.details, ["not in its journal: bird pid 30 in xsite-router-home"]);
  const all = f.find((x) => x.fix === DOWN_ALL);
  t.regex(all?.message ?? "", /2 labs have leftovers.*also stops the running lab xsite/);
});

test("a throwaway namespace of a dead doctor is reported with its own delete command", (t) => {
  const f = leftoverFindings({ labs: [], staleScratch: ["labdoctor77"] });
  t.is(f[0]?.fix, "ip netns delete labdoctor77");
});

// ---------------------------------------------------------------------------------------------
// Collecting: work dirs on disk (a temporary labs root), namespaces and processes from a fake probe.

function journal(dir: string, entries: JournalEntry[]) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "journal.jsonl"),
    `${entries.map((e) => JSON.stringify(e)).join("\n")}\n{"kind":"pro`,
  );
}

test("collecting: journals, name-recognised namespaces and the processes in them", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "doctor-labs-"));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  journal(join(root, "xsite"), [
    { kind: "started", at: "2024-01-01T00:00:00Z", pid: 100 },
    { kind: "netns", name: "xsite-inet" },
    { kind: "netns", name: "xsite-router-home" },
    { kind: "netns", name: "xsite-nano" },
    {
      kind: "process",
      name: "bird:router-home",
      ns: "xsite-router-home",
      pid: 200,
      startTime: "5",
      argv: ["bird"],
    },
    { kind: "process", name: "relay", ns: "xsite-inet", pid: 201, startTime: "6", argv: ["node"] },
  ]);
  mkdirSync(join(root, "bench"));
  writeFileSync(join(root, "bench", "bench-netns.json"), "{}");
  mkdirSync(join(root, "render", "rendered"), { recursive: true });
  t.deepEqual(
    labWorkDirs(root).map((d) => d.lab),
    ["xsite"],
    "only directories with a journal are labs",
  );
  const pids: Record<string, number[]> = {
    "xsite-router-home": [300],
    "old-router-mine": [400],
    "old-inet": [],
  };
  const names: Record<number, string> = { 300: "bird", 400: "bird" };
  const probe = {
    pid: 1,
    listNetns: async () => [
      "xsite-inet",
      "xsite-router-home",
      "old-inet",
      "old-router-mine",
      "gexp1",
      "labdoctor55",
      "labdoctor1",
    ],
    netnsPids: async (ns: string) => pids[ns] ?? [],
    processName: (pid: number) => names[pid] ?? null,
    isAlive: (pid: number) => pid === 201,
  } as unknown as Probe;
  const state = await collectLabStates(probe, root);
  t.deepEqual(state.staleScratch, ["labdoctor55"]);
  t.deepEqual(
    state.labs.map((l) => l.name),
    ["old", "xsite"],
  );
  const xsite = state.labs.find((l) => l.name === "xsite") as LabState;
  t.is(xsite.workDir, join(root, "xsite"));
  t.deepEqual(xsite.namespaces, ["xsite-inet", "xsite-router-home"]);
  t.deepEqual(xsite.missingNamespaces, ["xsite-nano"]);
  t.deepEqual(
    xsite.journaled.map((p) => [p.name, p.alive]),
    [
      ["bird:router-home", false],
      ["relay", true],
    ],
  );
  t.deepEqual(xsite.unjournaled, [{ pid: 300, name: "bird", ns: "xsite-router-home" }]);
  t.deepEqual(xsite.up, { pid: 100, alive: false });
  const old = state.labs.find((l) => l.name === "old") as LabState;
  t.is(old.workDir, null);
  t.deepEqual(old.namespaces, ["old-inet", "old-router-mine"]);
  const findings = leftoverFindings(state);
  t.deepEqual(
    findings.map((f) => [f.id, f.severity]),
    [
      ["leftover.lab.old", "warn"],
      ["leftover.lab.xsite", "warn"],
      ["leftover.scratch.labdoctor55", "warn"],
      ["leftover.all", "warn"],
    ],
  );
  t.false(JSON.stringify(findings).includes("gexp1"), "a namespace that is not a lab's is never mentioned");
});

test("clab labs that are up come from their state files and get the command that removes them", (t) => {
  const root = mkdtempSync(join(tmpdir(), "xs-doctor-clab-"));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  writeState(clabPaths("xsite", root), {
    lab: "xsite",
    k8s: "kind",
    cluster: "xsite",
    createdAt: "2026-11-26T09:00:00.000Z",
    convergedAt: "2026-11-26T09:04:00.000Z",
  });
  writeState(clabPaths("half", root), {
    lab: "half",
    k8s: "k3d",
    cluster: "half",
    createdAt: "2026-11-26T10:00:00.000Z",
  });
  // Not labs: a netns lab's dir, a clab dir without state, a name no lab can have.
  mkdirSync(join(root, "other"), { recursive: true });
  mkdirSync(join(root, "clab-nostate"), { recursive: true });
  mkdirSync(join(root, "clab-Bad-Name"), { recursive: true });
  const states = clabLabStates(root);
  t.deepEqual(
    states.map((s) => s.lab),
    ["half", "xsite"],
  );
  const findings = clabLabFindings(states, "sudo ");
  t.deepEqual(findings[0], {
    id: "clab.lab.half",
    area: "clab",
    severity: "info",
    message: "clab lab half is up (k3d cluster half, created 2026-11-26T10:00:00.000Z, never converged)",
    fix: "sudo npm run lab -- down --runtime clab --name half",
  });
  t.regex(findings[1]?.message ?? "", /converged 2026-11-26T09:04:00.000Z\)$/);
  t.deepEqual(clabLabStates(join(root, "missing")), []);
});
