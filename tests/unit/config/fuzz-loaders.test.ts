// Property-based tests of the three loaders with malformed and hostile input: topology files (in a
// temporary copy of configs/), Cilium manifests and scenario files. Whatever the document, a loader
// returns a valid model or throws a ValidationError whose every diagnostic points at a file, line
// and column, never another exception; it never hangs and creates nothing. And every name a valid
// model lets through is safe as a namespace, a file name and a BIRD argument.
//
// The loaders run in a worker thread (this same file, started again): a case that does not answer
// within CASE_BUDGET_MS is a hang, and the worker is terminated rather than the whole run waiting.
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import fc from "fast-check";
import yaml from "js-yaml";
import { HELM_VALUES_FILE } from "../../../lab/cilium/manifests.ts";
import { ValidationError } from "../../../lab/config/diagnostics.ts";
import { gobgpSpeakers } from "../../../lab/render/gobgp.ts";
import { labOfNamespace } from "../../../lab/runtime/netns/leftovers.ts";
import { planNetns } from "../../../lab/runtime/netns/plan.ts";
import { labsRoot, workPaths } from "../../../lab/runtime/workdir.ts";
import { loadScenario } from "../../../lab/scenario/load.ts";
import type { Scenario } from "../../../lab/scenario/model.ts";
import { loadLab } from "../../../lab/topology/load.ts";
import type { Lab } from "../../../lab/topology/model.ts";

const CONFIGS = fileURLToPath(new URL("../../../configs/", import.meta.url));
/** A hang: one case may take this long (the first one also compiles the schemas). Cases take
 * milliseconds; the margin is for a machine busy with the other test files. */
const CASE_BUDGET_MS = 10_000;
const FIRST_CASE_BUDGET_MS = 30_000;
/** Marker in hostile strings that would create a file if anything ran them through a shell. */
const CANARY = `fuzzcanary${process.pid}`;

/** "hang" never answers: it checks the watchdog itself. */
type Target = "topology" | "cilium" | "scenario" | "hang";

/** One input: files to write, relative to the configs copy (a null content deletes the file). */
interface Case {
  target: Target;
  files: Record<string, string | null>;
}

type Outcome =
  | { kind: "model"; ms: number; violations: string[] }
  | { kind: "invalid"; ms: number; violations: string[]; count: number }
  | { kind: "crash"; ms: number; error: string }
  | { kind: "created"; ms: number; paths: string[] };

// ---------------------------------------------------------------------------------------------
// Worker side: load each case in a private copy of configs/, classify what happened.

/** Safe as a namespace suffix, a file name and a BIRD/shell word: what plan.ts builds names from. */
const SAFE_ELEMENT = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SAFE_LAB = /^[a-z][a-z0-9]{0,7}$/;
const SAFE_NAMESPACE = /^[a-z][a-z0-9]{0,7}-[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** A single path component that cannot climb out of its directory. */
const SAFE_FILE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const BIRD_SYMBOL = /^[A-Za-z_][A-Za-z0-9_]*$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const MAX_TIMER_MS = 2 ** 31 - 1;

function labViolations(lab: Lab, root: string): string[] {
  const out: string[] = [];
  const bad = (what: string, value: unknown) => out.push(`${what}: ${JSON.stringify(value)}`);
  if (!SAFE_LAB.test(lab.name)) bad("lab name", lab.name);
  const elements = [
    ...lab.sites.map((s) => s.name),
    ...lab.routers.map((r) => r.name),
    ...lab.nodes.flatMap((n) => [n.name, ...n.pods.map((p) => p.name)]),
  ];
  for (const e of elements) if (!SAFE_ELEMENT.test(e) || e.length > 40) bad("element name", e);
  const plan = planNetns(lab);
  const seen = new Set<string>();
  for (const ns of plan.namespaces) {
    if (!SAFE_NAMESPACE.test(ns.name)) bad("namespace", ns.name);
    if (seen.has(ns.name)) bad("namespace used twice", ns.name);
    seen.add(ns.name);
    // `doctor` and `down --all` must recognise every namespace of a lab as that lab's.
    if (labOfNamespace(ns.name) !== lab.name) bad(`namespace not recognised as lab ${lab.name}'s`, ns.name);
  }
  for (const l of plan.links)
    for (const end of [l.a, l.b]) if (end.ifname.length > 15) bad("ifname", end.ifname);
  for (const n of lab.nodes) {
    if (!IPV4.test(n.address)) bad("node address", n.address);
    for (const p of n.pods) if (!IPV4.test(p.address)) bad("pod address", p.address);
    for (const s of gobgpSpeakers(n)) {
      for (const part of s.configPath.split("/"))
        if (!SAFE_FILE.test(part)) bad("gobgp config path", s.configPath);
      if (!SAFE_FILE.test(s.instance)) bad("bgp instance (a log file name)", s.instance);
    }
    for (const inst of n.bgp?.instances ?? [])
      for (const p of inst.peers) if (!IPV4.test(p.peerAddress)) bad("peer address", p.peerAddress);
  }
  for (const r of lab.routers) {
    for (const a of [r.lanAddress, r.zerotierAddress, r.routerId])
      if (!IPV4.test(a)) bad("router address", a);
    if (!existsSync(r.birdConf)) bad("bird.conf that does not exist", r.birdConf);
  }
  for (const m of lab.cilium) if (!DNS_SUBDOMAIN.test(m.metadata.name)) bad("manifest name", m.metadata.name);
  const wp = workPaths(lab.name).root;
  if (relative(labsRoot(), wp) !== lab.name) bad("work dir outside the labs root", wp);
  if (!lab.topologyFile.startsWith(root)) bad("topology file", lab.topologyFile);
  return out;
}

function scenarioViolations(s: Scenario, lab: Lab): string[] {
  const out: string[] = [];
  const bad = (what: string, value: unknown) => out.push(`${what}: ${JSON.stringify(value)}`);
  const elements = new Set([
    ...lab.routers.map((r) => r.name),
    ...lab.nodes.flatMap((n) => [n.name, ...n.pods.map((p) => p.name)]),
  ]);
  const target = (t: string) => elements.has(t) || IPV4.test(t);
  const routers = new Set(lab.routers.map((r) => r.name));
  const duration = (ms: number) => Number.isFinite(ms) && ms > 0 && ms <= MAX_TIMER_MS;
  if (!SAFE_ELEMENT.test(s.name)) bad("scenario name (a report file name)", s.name);
  for (const v of s.variants)
    if (!SAFE_ELEMENT.test(v.name)) bad("variant name (a report file name)", v.name);
  for (const step of s.steps) {
    switch (step.kind) {
      case "wait":
        if (!duration(step.ms)) bad("wait", step.ms);
        break;
      case "traffic":
        if (!duration(step.durationMs)) bad("traffic duration", step.durationMs);
        if (!elements.has(step.from) || !target(step.to)) bad("traffic ends", [step.from, step.to]);
        break;
      case "measure":
        if (!elements.has(step.pathMtu.from) || !target(step.pathMtu.to)) bad("measure ends", step.pathMtu);
        break;
      case "expect": {
        if (!duration(step.withinMs)) bad("within", step.withinMs);
        const e = step.expect;
        if (e.kind === "session") {
          // A router's peer goes into birdc as a protocol name, a node's is an address.
          const ok = routers.has(e.on) ? BIRD_SYMBOL.test(e.peer) : IPV4.test(e.peer);
          if (!ok) bad("session peer", e);
        } else if (e.kind === "route") {
          if (!routers.has(e.on)) bad("route on", e.on);
        } else if (e.kind === "node") {
          if (!elements.has(e.name)) bad("node name", e.name);
        } else if (!elements.has(e.from) || !target(e.to)) bad(`${e.kind} ends`, e);
        break;
      }
      case "fault": {
        const f = step.fault;
        if (f.kind === "node" && f.action === "add") {
          if (!SAFE_ELEMENT.test(f.node.name)) bad("added node name", f.node.name);
          if (!IPV4.test(f.node.address)) bad("added node address", f.node.address);
          if (!/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(f.node.podCIDR)) bad("added node podCIDR", f.node.podCIDR);
        }
        if ((f.kind === "router" || f.kind === "speaker" || f.kind === "node") && f.action !== "add") {
          const name = f.kind === "router" ? f.router : f.node;
          if (!SAFE_ELEMENT.test(name)) bad(`${f.kind} name`, name);
        }
        break;
      }
    }
  }
  for (const m of s.metrics) if (!/^[a-z][a-z0-9_]*$/.test(m.name)) bad("metric name", m.name);
  return out;
}

function listTree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).sort();
}

async function serveWorker(): Promise<void> {
  const { root } = workerData as { root: string };
  const configs = join(root, "configs");
  // A worker terminated mid-case may have left its copy modified: start from a clean one.
  rmSync(root, { recursive: true, force: true });
  cpSync(CONFIGS, configs, { recursive: true });
  const originals = new Map<string, string>();
  for (const f of listTree(configs)) {
    const p = join(configs, f);
    if (f.endsWith(".yaml")) originals.set(f, readFileSync(p, "utf8"));
  }
  const baseline = listTree(root);
  // The lab scenarios are checked against, loaded from the pristine copy on first use.
  let lab: Lab | undefined;
  const port = parentPort;
  if (!port) return;
  port.on("message", async (c: Case) => {
    if (c.target === "scenario") lab ??= await loadLab(join(configs, "topology.yaml"));
    for (const [f, text] of Object.entries(c.files)) {
      if (text === null) rmSync(join(configs, f), { force: true });
      else writeFileSync(join(configs, f), text);
    }
    const start = performance.now();
    let outcome: Outcome;
    try {
      if (c.target === "hang") for (;;);
      if (c.target === "scenario") {
        const s = loadScenario(join(configs, "scenarios", "fuzz.yaml"), lab as Lab);
        outcome = { kind: "model", ms: 0, violations: scenarioViolations(s, lab as Lab) };
      } else {
        const l = await loadLab(join(configs, "topology.yaml"));
        outcome = { kind: "model", ms: 0, violations: labViolations(l, root) };
      }
    } catch (err) {
      if (err instanceof ValidationError) {
        const violations: string[] = [];
        if (err.diagnostics.length === 0) violations.push("a ValidationError without diagnostics");
        for (const d of err.diagnostics) {
          const w = d.where as { file?: unknown; line?: unknown; col?: unknown } | undefined;
          const ok =
            typeof w?.file === "string" &&
            w.file.startsWith(root) &&
            Number.isInteger(w.line) &&
            (w.line as number) >= 1 &&
            Number.isInteger(w.col) &&
            (w.col as number) >= 1 &&
            typeof d.message === "string" &&
            d.message.trim() !== "";
          if (!ok) violations.push(`bad diagnostic ${JSON.stringify(d).slice(0, 300)}`);
        }
        outcome = { kind: "invalid", ms: 0, violations, count: err.diagnostics.length };
      } else {
        const e = err as Error;
        outcome = {
          kind: "crash",
          ms: 0,
          error: `${e?.name}: ${e?.message?.slice(0, 500)}\n${e?.stack ?? ""}`,
        };
      }
    }
    outcome.ms = performance.now() - start;
    // Put the copy back as it was, then check nothing else appeared.
    for (const f of Object.keys(c.files)) {
      const orig = originals.get(f);
      if (orig === undefined) rmSync(join(configs, f), { force: true });
      else writeFileSync(join(configs, f), orig);
    }
    const now = listTree(root);
    if (now.join("\n") !== baseline.join("\n")) {
      const extra = now.filter((p) => !baseline.includes(p));
      outcome = { kind: "created", ms: outcome.ms, paths: extra };
      for (const p of extra) rmSync(join(root, p), { recursive: true, force: true });
    }
    port.postMessage(outcome);
  });
  port.postMessage("ready");
}

// ---------------------------------------------------------------------------------------------
// Main side: a worker per target, with a watchdog per case.

class Sandbox {
  private worker: Worker | undefined;
  private ready: Promise<void> | undefined;
  private first = true;
  private queue: Promise<unknown> = Promise.resolve();
  /** Cases answered by the current worker (its first also pays for compiling the schemas). */
  answered = 0;
  constructor(
    private readonly root: string,
    private readonly budgets = { first: FIRST_CASE_BUDGET_MS, case: CASE_BUDGET_MS },
  ) {}

  private start(): Promise<void> {
    this.ready ??= new Promise((resolve, reject) => {
      // Worker threads do not inherit tsx's loader: register it, then load this file again.
      const bootstrap = `import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))}).then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); })`;
      const w = new Worker(bootstrap, { eval: true, workerData: { root: this.root } });
      this.worker = w;
      w.once("message", () => resolve());
      w.once("error", reject);
    });
    return this.ready;
  }

  /** Cases run one at a time: they share the worker and its copy of configs/. */
  run(c: Case): Promise<Outcome> {
    const next = this.queue.then(() => this.runNow(c));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async runNow(c: Case): Promise<Outcome> {
    const budget = this.first ? this.budgets.first : this.budgets.case;
    const first = await this.attempt(c, budget);
    if (first !== "timeout") return first;
    // Once more in a fresh worker with a generous budget: a machine busy with other tests can
    // stall a case, a real hang hangs again.
    const again = await this.attempt(c, this.budgets.first);
    if (again !== "timeout") return again;
    return {
      kind: "crash",
      ms: this.budgets.first,
      error: `no answer within ${this.budgets.first} ms, twice (a hang)`,
    };
  }

  private async attempt(c: Case, budget: number): Promise<Outcome | "timeout"> {
    await this.start();
    const w = this.worker as Worker;
    this.first = false;
    return await new Promise<Outcome | "timeout">((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        // Stop the worker; the next attempt starts a fresh one with a fresh copy of configs/.
        void w.terminate();
        this.worker = undefined;
        this.ready = undefined;
        this.first = true;
        this.answered = 0;
        resolve("timeout");
      }, budget);
      const onMessage = (o: Outcome) => {
        cleanup();
        this.answered++;
        resolve(o);
      };
      const onError = (err: Error) => {
        cleanup();
        this.worker = undefined;
        this.ready = undefined;
        reject(err);
      };
      const cleanup = () => {
        clearTimeout(timer);
        w.off("message", onMessage);
        w.off("error", onError);
      };
      w.on("message", onMessage);
      w.on("error", onError);
      w.postMessage(c);
    });
  }

  async stop(): Promise<void> {
    await this.worker?.terminate();
  }
}

/** The property every case must hold; returns a description of what went wrong, or null. */
function problem(o: Outcome): string | null {
  switch (o.kind) {
    case "crash":
      return `not a ValidationError: ${o.error}`;
    case "created":
      return `created ${o.paths.join(", ")}`;
    default:
      if (o.ms > CASE_BUDGET_MS) return `took ${Math.round(o.ms)} ms`;
      return o.violations.length ? o.violations.join("\n") : null;
  }
}

// ---------------------------------------------------------------------------------------------
// Generators of hostile input.

const HOSTILE_STRINGS = [
  "; rm -rf /",
  "$(touch /tmp/CANARY)",
  "`touch CANARY`",
  "a;touch CANARY",
  "x && touch CANARY",
  "| touch CANARY",
  "../../etc",
  "../../../../../../tmp/CANARY",
  "/etc/passwd",
  "..",
  ".",
  "/",
  "a/b",
  "a\\b",
  "a\u0000b",
  "\u0000",
  "a\nb",
  "a\r\nb: c",
  "line\n- list: item",
  "x\nname: evil",
  "\t",
  " ",
  "",
  "-rf",
  "--help",
  "-",
  "all",
  "*",
  "?",
  "'",
  '"',
  "{",
  "}",
  "[",
  "&anchor",
  "*alias",
  "!!binary",
  "<<",
  "~",
  "null",
  "true",
  "0x1F",
  "1e400",
  "-0",
  ".inf",
  ".nan",
  "%s%s%s%n",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, literally
  "${HOME}",
  "\u202eevil",
  "\u200b",
  "\ufeff",
  "ｒｏｕｔｅｒ",
  "İstanbul",
  "straße",
  "😀",
  "\ud800",
  "a".repeat(25),
  "a".repeat(256),
  "x".repeat(70_000),
  "inet",
  "sw-home",
  "sw-mine",
  "nano-pod1",
  "yuuko-k8s-pod2",
  "router-home",
  "home",
  "Router-Home",
  "router_home",
  "0",
  "-a",
  "a-",
  "a--b",
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
].map((s) => s.replaceAll("CANARY", CANARY));

const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 30 }) },
  {
    weight: 1,
    arbitrary: fc.string({ unit: fc.constantFrom(..."-./;$`'\"\\\n\t :&*!|<>{}[]#%@a0"), maxLength: 12 }),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom("router-home", "nano", "home", "xsite"), fc.constantFrom(...HOSTILE_STRINGS))
      .map(([a, b]) => a + b),
  },
);

const hugeNumber = fc.constantFrom(
  2 ** 31,
  2 ** 32,
  2 ** 53 + 2,
  4294967296,
  -1,
  -(2 ** 63),
  1e308,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  Number.NaN,
  0.5,
  -0,
);

/** Values of the wrong type or shape, including deep nesting and long collections. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 2, arbitrary: hugeNumber },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.constantFrom([], {}, [[]], [{}], { "": "" }) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1, max: 400 }).map((depth) => {
      let v: unknown = "deep";
      for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { k: v };
      return v;
    }),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 100, max: 5000 }).map((n) => Array.from({ length: n }, (_, i) => i)),
  },
  { weight: 1, arbitrary: fc.dictionary(hostileString, hostileString, { maxKeys: 4 }) },
  { weight: 1, arbitrary: fc.array(hostileString, { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

type Json = unknown;
type PathSeg = string | number;

/** Every path to a value inside doc (the root excluded). */
function allPaths(doc: Json, prefix: PathSeg[] = [], out: PathSeg[][] = []): PathSeg[][] {
  if (Array.isArray(doc)) {
    doc.forEach((v, i) => {
      out.push([...prefix, i]);
      allPaths(v, [...prefix, i], out);
    });
  } else if (doc !== null && typeof doc === "object") {
    for (const [k, v] of Object.entries(doc)) {
      out.push([...prefix, k]);
      allPaths(v, [...prefix, k], out);
    }
  }
  return out;
}

type Mutation =
  | { op: "set"; at: number; value: unknown }
  | { op: "delete"; at: number }
  | { op: "rename"; at: number; key: string }
  | { op: "add"; at: number; key: string; value: unknown }
  | { op: "duplicate"; at: number }
  | { op: "bomb"; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant("set" as const), at: fc.nat(), value: hostileValue }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("delete" as const), at: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant("rename" as const), at: fc.nat(), key: hostileString }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("add" as const),
      at: fc.nat(),
      key: hostileString,
      value: hostileValue,
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("duplicate" as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("bomb" as const), at: fc.nat() }) },
);

const BOMB = "__FUZZ_BOMB__";

function mutate(base: Json, mutations: Mutation[]): Json {
  let doc = structuredClone(base);
  for (const m of mutations) {
    const paths = allPaths(doc);
    if (paths.length === 0) {
      doc = m.op === "set" ? m.value : doc;
      continue;
    }
    const path = paths[m.at % paths.length] as PathSeg[];
    const key = path[path.length - 1] as PathSeg;
    let parent = doc as Record<PathSeg, unknown>;
    for (const seg of path.slice(0, -1)) parent = parent[seg] as Record<PathSeg, unknown>;
    switch (m.op) {
      case "set":
        parent[key] = structuredClone(m.value);
        break;
      case "bomb":
        parent[key] = BOMB;
        break;
      case "delete":
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete parent[key];
        break;
      case "rename":
        if (!Array.isArray(parent) && m.key !== "__proto__") {
          const v = parent[key];
          delete parent[key];
          parent[m.key] = v;
        }
        break;
      case "add": {
        const target = parent[key];
        if (target && typeof target === "object" && !Array.isArray(target) && m.key !== "__proto__")
          (target as Record<string, unknown>)[m.key] = structuredClone(m.value);
        else if (Array.isArray(target)) target.push(structuredClone(m.value));
        break;
      }
      case "duplicate":
        if (Array.isArray(parent)) parent.splice(key as number, 0, structuredClone(parent[key]));
        break;
    }
  }
  return doc;
}

/** "Billion laughs": levels of anchors, each a list of `fanout` aliases of the one before. */
function anchorBomb(levels: number, fanout: number): { defs: string; top: string } {
  const lines = [`fuzz-bomb-0: &fb0 [${Array.from({ length: fanout }, () => '"lol"').join(", ")}]`];
  for (let i = 1; i <= levels; i++)
    lines.push(`fuzz-bomb-${i}: &fb${i} [${Array.from({ length: fanout }, () => `*fb${i - 1}`).join(", ")}]`);
  return { defs: `${lines.join("\n")}\n`, top: `*fb${levels}` };
}

type TextEdit =
  | { op: "none" }
  | { op: "duplicateLine"; at: number }
  | { op: "truncate"; at: number }
  | { op: "insert"; at: number; text: string }
  | { op: "crlf" }
  | { op: "bom" }
  | { op: "tabs" }
  | { op: "documents" }
  | { op: "nesting"; depth: number }
  | { op: "huge" };

const textEdit: fc.Arbitrary<TextEdit> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ op: "none" as const }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("duplicateLine" as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("truncate" as const), at: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("insert" as const),
      at: fc.nat(),
      text: fc.oneof(
        fc.constantFrom(
          "\u0000",
          "\t",
          ": ",
          "- ",
          "&a ",
          "*a",
          "*nope",
          "<<: *x\n",
          "!!js/function ",
          "!!timestamp ",
          "!!binary ",
          "!!set ",
          "? ",
          "|",
          ">",
          "%YAML 1.2\n",
          "\ufeff",
          "\ud800",
          "{",
          "[",
          '"',
          "'",
          "#",
          "\n  \n",
          "---\n",
          "...\n",
        ),
        hostileString,
      ),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ op: "crlf" as const }) },
  { weight: 1, arbitrary: fc.constant({ op: "bom" as const }) },
  { weight: 1, arbitrary: fc.constant({ op: "tabs" as const }) },
  { weight: 1, arbitrary: fc.constant({ op: "documents" as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("nesting" as const),
      depth: fc.integer({ min: 50, max: 20_000 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ op: "huge" as const }) },
);

function applyText(text: string, e: TextEdit): string {
  switch (e.op) {
    case "none":
      return text;
    case "duplicateLine": {
      const lines = text.split("\n");
      const i = e.at % lines.length;
      lines.splice(i, 0, lines[i] as string);
      return lines.join("\n");
    }
    case "truncate":
      return text.slice(0, e.at % (text.length + 1));
    case "insert": {
      const i = e.at % (text.length + 1);
      return text.slice(0, i) + e.text + text.slice(i);
    }
    case "crlf":
      return text.replaceAll("\n", "\r\n");
    case "bom":
      return `\ufeff${text}`;
    case "tabs":
      return text.replace(/^ {2}/gm, "\t");
    case "documents":
      return `${text}\n---\n${text}`;
    case "nesting":
      return `${text}\nfuzz-deep: ${"[".repeat(e.depth)}${"]".repeat(e.depth)}\n`;
    case "huge":
      return `${text}\n# ${"x".repeat(1024 * 1024)}\n`;
  }
}

type Format = "block" | "flow" | "json";

function serialize(doc: Json, format: Format, bomb: { levels: number; fanout: number }): string {
  let text: string;
  try {
    text =
      format === "json"
        ? JSON.stringify(doc, null, 1)
        : yaml.dump(doc, { noRefs: true, lineWidth: -1, flowLevel: format === "flow" ? 1 : -1 });
  } catch {
    text = JSON.stringify(doc) ?? "null";
  }
  if (!text.includes(BOMB)) return text;
  // Point every placeholder at the top of an anchor bomb defined first (block style only).
  const { defs, top } = anchorBomb(bomb.levels, bomb.fanout);
  const body = text.replace(/(["']?)__FUZZ_BOMB__\1/g, top);
  return format === "block" && !body.startsWith("-")
    ? defs + body
    : `${defs}fuzz-body: ${JSON.stringify(body)}\n`;
}

interface DocInput {
  mutations: Mutation[];
  format: Format;
  edits: TextEdit[];
  bomb: { levels: number; fanout: number };
}

const docInput: fc.Arbitrary<DocInput> = fc.record({
  mutations: fc.array(mutation, { minLength: 0, maxLength: 4 }),
  format: fc.constantFrom<Format>("block", "block", "flow", "json"),
  edits: fc.array(textEdit, { maxLength: 2 }),
  bomb: fc.record({ levels: fc.integer({ min: 1, max: 12 }), fanout: fc.integer({ min: 2, max: 12 }) }),
});

function render(base: Json, input: DocInput): string {
  let text = serialize(mutate(base, input.mutations), input.format, input.bomb);
  for (const e of input.edits) text = applyText(text, e);
  return text;
}

// ---------------------------------------------------------------------------------------------
// The seed documents everything starts from.

const readYaml = (rel: string) => yaml.load(readFileSync(join(CONFIGS, rel), "utf8")) as Json;
const readAll = (rel: string) => yaml.loadAll(readFileSync(join(CONFIGS, rel), "utf8")) as Json[];
const seedTopology = readYaml("topology.yaml");
const ciliumFiles = readdirSync(join(CONFIGS, "k8s/cilium"))
  .filter((f) => f.endsWith(".yaml") && f !== HELM_VALUES_FILE)
  .sort();
const scenarioFiles = readdirSync(join(CONFIGS, "scenarios"))
  .filter((f) => f.endsWith(".yaml"))
  .sort();

/** Names of elements a consistent rename replaces everywhere they occur. */
const RENAMEABLE = ["xsite", "home", "mine", "router-home", "router-mine", "yuuko-k8s", "sakamoto", "nano"];

/** A name generator that mostly produces valid names, and the ones a loader must stop. */
const candidateName: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,22}[a-z0-9])?$/) },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "inet",
      "sw-home",
      "sw-mine",
      "nano-pod1",
      "nano-pod2",
      "sakamoto-pod1",
      "yuuko-k8s-pod1",
      "router-home",
      "mine",
      "a".repeat(24),
      "a".repeat(25),
      "x-inet",
      "0",
      "a-",
      "-a",
      "A",
      "ａ",
    ),
  },
  { weight: 2, arbitrary: hostileString },
);

function renameEverywhere(doc: Json, from: string, to: string): Json {
  if (doc === from) return to;
  if (Array.isArray(doc)) return doc.map((v) => renameEverywhere(v, from, to));
  if (doc && typeof doc === "object")
    return Object.fromEntries(Object.entries(doc).map(([k, v]) => [k, renameEverywhere(v, from, to)]));
  return doc;
}

// ---------------------------------------------------------------------------------------------
// The tests (main thread only).

if (!isMainThread) {
  await serveWorker();
} else {
  const { default: test } = await import("ava");
  const root = mkdtempSync(join(tmpdir(), "lab-fuzz-"));
  const sandboxes = new Map<Target, Sandbox>();
  const sandbox = (t: Target) => {
    let s = sandboxes.get(t);
    if (!s) {
      s = new Sandbox(join(root, t));
      sandboxes.set(t, s);
    }
    return s;
  };
  const stats = { cases: 0, models: 0, invalid: 0, slowestMs: 0 };

  async function check(c: Case): Promise<Outcome> {
    const s = sandbox(c.target);
    const o = await s.run(c);
    stats.cases++;
    if (o.kind === "model") stats.models++;
    if (o.kind === "invalid") stats.invalid++;
    if (s.answered > 1) stats.slowestMs = Math.max(stats.slowestMs, o.ms);
    return o;
  }

  async function holds(c: Case): Promise<boolean> {
    const p = problem(await check(c));
    if (p) throw new Error(`${p}\n--- input (${c.target}) ---\n${summarize(c)}`);
    return true;
  }

  function summarize(c: Case): string {
    return Object.entries(c.files)
      .map(
        ([f, t]) =>
          `${f}:\n${t === null ? "(deleted)" : t.length > 3000 ? `${t.slice(0, 3000)}...(${t.length} chars)` : t}`,
      )
      .join("\n");
  }

  test.before(() => {
    for (const t of ["topology", "cilium", "scenario"] as const) sandbox(t);
  });

  test.after.always(async () => {
    for (const s of sandboxes.values()) await s.stop();
    rmSync(root, { recursive: true, force: true });
  });

  test.after.always("no hostile string ran through a shell or became a path", (t) => {
    for (const dir of [tmpdir(), process.cwd(), "/", "/etc", join(CONFIGS, ".."), CONFIGS]) {
      t.false(existsSync(join(dir, CANARY)), `${dir}${sep}${CANARY} exists`);
    }
    t.log(
      `${stats.cases} cases: ${stats.models} valid models, ${stats.invalid} rejected; slowest (after warm-up) ${Math.round(stats.slowestMs)} ms`,
    );
  });

  test("the watchdog: a case that never answers is reported as a hang", async (t) => {
    const s = new Sandbox(join(root, "watchdog"), { first: 300, case: 300 });
    t.teardown(() => s.stop());
    const hung = await s.run({ target: "hang", files: {} });
    t.is(hung.kind, "crash");
    t.regex(problem(hung) ?? "", /no answer within 300 ms, twice \(a hang\)/);
  });

  test("the seed configs load unchanged in the sandboxes (the generators start from valid documents)", async (t) => {
    for (const target of ["topology", "cilium", "scenario"] as const) {
      const files: Case["files"] =
        target === "scenario"
          ? { "scenarios/fuzz.yaml": readFileSync(join(CONFIGS, "scenarios/zt-outage-30s.yaml"), "utf8") }
          : {};
      const o = await check({ target, files });
      t.is(o.kind, "model", JSON.stringify(o));
      t.deepEqual(o.kind === "model" ? o.violations : [], []);
    }
  });

  const KNOWN_HOSTILE: [string, string][] = [
    ["empty file", ""],
    ["only a comment", "# nothing\n"],
    ["a scalar", "just a string\n"],
    ["a list", "- a\n- b\n"],
    ["null", "~\n"],
    ["NUL byte", "name: x\u0000\n"],
    ["lone surrogate", "name: \ud800\n"],
    ["unclosed flow", "name: [a, b\n"],
    ["unknown tag", "name: !!js/function 'return 1'\n"],
    ["python tag", "name: !!python/object:os.system ['touch CANARY']\n"],
    ["timestamp", "name: 2001-12-14\n"],
    ["binary", "name: !!binary aGVsbG8=\n"],
    ["set", "name: !!set {a, b}\n"],
    ["duplicate keys", "name: xsite\nname: other\n"],
    ["recursive alias", "name: &a [*a]\n"],
    ["recursive mapping", "name: &a {x: *a}\n"],
    ["unknown alias", "name: *nothing\n"],
    ["merge key", "base: &b {name: xsite}\n<<: *b\n"],
    ["billion laughs", anchorBomb(9, 10).defs],
    ["deep nesting", `name: ${"[".repeat(50_000)}${"]".repeat(50_000)}\n`],
    ["deep mappings", `name: ${"{a: ".repeat(5_000)}1${"}".repeat(5_000)}\n`],
    ["over a megabyte", `name: xsite\n# ${"x".repeat(1024 * 1024 + 10)}\n`],
    ["multi-byte over a megabyte", `name: xsite\n# ${"é".repeat(600_000)}\n`],
    ["a very long line", `name: ${"a".repeat(900_000)}\n`],
    ["two documents", "name: a\n---\nname: b\n"],
    ["directive", "%YAML 1.2\n%TAG ! tag:evil,2024:\n---\nname: !x y\n"],
    ["tab indentation", "sites:\n\t- name: home\n"],
    ["CR only", "name: xsite\rsites: []\r"],
    ["__proto__ keys", "__proto__: {name: evil}\nname: xsite\nsites: [{__proto__: {lan: x}, name: home}]\n"],
    ["deep kind", `kind: ${"{a: ".repeat(3_000)}1${"}".repeat(3_000)}\n`],
    ["huge number", `name: xsite\nzerotier: {network: 192.168.191.0/24, mtu: 1${"0".repeat(400)}}\n`],
  ].map(([label, text]) => [label as string, (text as string).replaceAll("CANARY", CANARY)]);

  for (const [label, text] of KNOWN_HOSTILE) {
    test(`hostile document as topology, manifest and scenario: ${label}`, async (t) => {
      const cases: Case[] = [
        { target: "topology", files: { "topology.yaml": text } },
        { target: "cilium", files: { "k8s/cilium/networks.yaml": text } },
        { target: "scenario", files: { "scenarios/fuzz.yaml": text } },
      ];
      for (const c of cases) {
        const o = await check(c);
        t.is(problem(o), null, `${c.target}: ${JSON.stringify(o).slice(0, 2000)}`);
        t.is(o.kind, "invalid", `${c.target} accepted ${label}`);
      }
    });
  }

  // Runs are sized so the whole file stays well under a minute.
  // FUZZ_SCALE=10 runs ten times as many cases (a longer hunt); FUZZ_SEED replays a run.
  const runs = (n: number) => ({
    numRuns: Math.max(1, Math.round(n * Number(process.env.FUZZ_SCALE ?? 1))),
    // A fixed seed keeps CI reproducible; FUZZ_SEED=random (or a number) hunts further.
    seed:
      process.env.FUZZ_SEED === "random" ? Date.now() % 2 ** 31 : Number(process.env.FUZZ_SEED ?? 20261126),
    includeErrorInReport: true,
  });

  test("topology: any malformed topology.yaml loads or is rejected with positioned diagnostics", async (t) => {
    const params = runs(200);
    t.log(`seed ${params.seed}`);
    await fc.assert(
      fc.asyncProperty(docInput, (input) =>
        holds({ target: "topology", files: { "topology.yaml": render(seedTopology, input) } }),
      ),
      params,
    );
    t.pass();
  });

  test("topology: every name a valid model lets through is safe for namespaces, files and birdc", async (t) => {
    const params = runs(250);
    t.log(`seed ${params.seed}`);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom(...RENAMEABLE), candidateName), { minLength: 1, maxLength: 3 }),
        fc.record({ node: fc.nat(2), pods: fc.constantFrom(0, 1, 2, 16) }),
        async (renames, podsOf) => {
          let doc = structuredClone(seedTopology) as { nodes: { pods?: number }[] };
          for (const [from, to] of renames)
            doc = (from === "xsite" ? { ...doc, name: to } : renameEverywhere(doc, from, to)) as typeof doc;
          const n = doc.nodes[podsOf.node];
          if (n) n.pods = podsOf.pods;
          return holds({ target: "topology", files: { "topology.yaml": yaml.dump(doc, { lineWidth: -1 }) } });
        },
      ),
      params,
    );
    t.pass();
  });

  test("cilium: malformed manifests load or are rejected with positioned diagnostics", async (t) => {
    const params = runs(150);
    t.log(`seed ${params.seed}`);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ciliumFiles),
        fc.nat(),
        docInput,
        fc.boolean(),
        async (file, docIndex, input, extraFile) => {
          const docs = readAll(`k8s/cilium/${file}`);
          const i = docIndex % docs.length;
          const mutated = render(docs[i], input);
          const text = docs.map((d, k) => (k === i ? mutated : yaml.dump(d))).join("\n---\n");
          // Either the file is replaced, or a new manifest file joins the folder.
          const files: Case["files"] = extraFile
            ? { "k8s/cilium/zz-fuzz.yaml": mutated }
            : { [`k8s/cilium/${file}`]: text };
          return holds({ target: "cilium", files });
        },
      ),
      params,
    );
    t.pass();
  });

  test("cilium: names of manifests and BGP instances in a valid model are safe", async (t) => {
    const params = runs(120);
    t.log(`seed ${params.seed}`);
    const networks = readAll("k8s/cilium/networks.yaml") as {
      metadata: { name: string };
      spec: { bgpInstances: { name: string; peers: { name: string; peerConfigRef: { name: string } }[] }[] };
    }[];
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          cluster: candidateName,
          instance: candidateName,
          peer: candidateName,
          peerConfig: candidateName,
        }),
        fc.nat(1),
        async (names, which) => {
          const docs = structuredClone(networks);
          const d = docs[which] as (typeof docs)[number];
          const inst = d.spec.bgpInstances[0] as (typeof d.spec.bgpInstances)[number];
          const peer = inst.peers[0] as (typeof inst.peers)[number];
          d.metadata.name = names.cluster;
          inst.name = names.instance;
          peer.name = names.peer;
          for (const x of docs)
            for (const i of x.spec.bgpInstances)
              for (const p of i.peers) p.peerConfigRef.name = names.peerConfig;
          const peerConfig = readYaml("k8s/cilium/peer-config.yaml") as { metadata: { name: string } };
          peerConfig.metadata.name = names.peerConfig;
          return holds({
            target: "cilium",
            files: {
              "k8s/cilium/networks.yaml": docs.map((x) => yaml.dump(x)).join("---\n"),
              "k8s/cilium/peer-config.yaml": yaml.dump(peerConfig),
            },
          });
        },
      ),
      params,
    );
    t.pass();
  });

  test("scenario: malformed scenario files load or are rejected with positioned diagnostics", async (t) => {
    const params = runs(250);
    t.log(`seed ${params.seed}`);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...scenarioFiles), docInput, async (file, input) =>
        holds({
          target: "scenario",
          files: { "scenarios/fuzz.yaml": render(readYaml(`scenarios/${file}`), input) },
        }),
      ),
      params,
    );
    t.pass();
  });

  test("scenario: references, durations and names in a valid scenario are safe", async (t) => {
    const params = runs(250);
    t.log(`seed ${params.seed}`);
    const duration = fc.oneof(
      fc.constantFrom(
        "1s",
        "0s",
        "0ms",
        "0.5ms",
        `${"9".repeat(400)}s`,
        "99999999999m",
        "25d",
        "1e3s",
        "-1s",
        "1.s",
        ".5s",
      ),
      fc.tuple(fc.nat(), fc.constantFrom("ms", "s", "m", "h", "")).map(([n, u]) => `${n}${u}`),
    );
    const step = fc.oneof(
      fc.record({ wait: duration }),
      fc.record({
        expect: fc.oneof(
          fc.record({
            session: fc.record({ on: candidateName, peer: hostileString, state: fc.constant("established") }),
            within: duration,
          }),
          fc.record({
            session: fc.record({
              on: fc.constantFrom("router-home", "router-mine", "nano", "sakamoto"),
              peer: fc.oneof(
                hostileString,
                fc.constantFrom("router_home", "mio", "all", "192.168.6.1", "k8s_nano"),
              ),
              state: fc.constant("down"),
            }),
            within: duration,
          }),
          fc.record({
            ping: fc.record({
              from: candidateName,
              to: fc.oneof(candidateName, hostileString),
              ok: fc.boolean(),
            }),
            within: duration,
          }),
        ),
      }),
      fc.record({
        traffic: fc.record({
          name: fc.constantFrom("pods", "a", "x-y"),
          from: candidateName,
          to: fc.oneof(candidateName, fc.constantFrom("10.42.3.10", "999.1.1.1")),
          rate: fc.constantFrom(1, 50, 100),
          duration,
        }),
      }),
      fc.record({
        fault: fc.oneof(
          fc.record({ router: candidateName, action: fc.constantFrom("kill", "stop", "start") }),
          fc.record({ speaker: candidateName, action: fc.constantFrom("kill", "stop") }),
          fc.record({
            node: candidateName,
            action: fc.constant("add"),
            site: fc.constantFrom("home", "mine", "nowhere"),
            address: fc.oneof(fc.constantFrom("192.168.6.90", "192.168.6.300"), hostileString),
            podCIDR: fc.oneof(fc.constantFrom("10.42.9.0/24", "10.42.9.0/99"), hostileString),
            config: fc.constantFrom(
              "routers/variants/node-join/router-mine.conf",
              "../../../../etc/hostname",
            ),
          }),
          fc.record({
            link: fc.constant("zt"),
            action: fc.constant("impair"),
            delay: duration,
            direction: fc.oneof(fc.constantFrom("both", "home->mine", "mine->home"), hostileString),
          }),
        ),
      }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 5 }), candidateName, async (steps, name) =>
        holds({
          target: "scenario",
          files: { "scenarios/fuzz.yaml": yaml.dump({ name, title: "fuzz", steps }, { lineWidth: -1 }) },
        }),
      ),
      params,
    );
    t.pass();
  });
}
