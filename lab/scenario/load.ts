// Loading a scenario file: YAML with positions, the scenario JSON Schema, then every reference
// checked against the lab (routers, nodes, pods, sites, step ids, streams), all before anything
// runs. Problems are collected and reported as file:line:col with a hint.
import { existsSync, readFileSync } from "node:fs";
import { join as joinPath, resolve as resolvePath } from "node:path";
import { fileURLToPath } from "node:url";
import { assertBirdSymbol } from "../bird/names.ts";
import { closest, Diagnostics } from "../config/diagnostics.ts";
import { errorCode, readYamlFile } from "../config/read.ts";
import { checkAgainstSchema, compileSchema } from "../config/schema-check.ts";
import { positionOf, type YamlDocument } from "../config/yaml.ts";
import { parseImpairmentArgs } from "../emulate/zerotier/args.ts";
import { isIPv4, parseCidr } from "../topology/ipv4.ts";
import type { Lab } from "../topology/model.ts";
import { parseDuration } from "../util/duration.ts";
import type { LabError } from "../util/errors.ts";
import type { Fault, MetricSpec, Scenario, ScenarioStep, Step, Variant } from "./model.ts";

const SCHEMA_FILE = fileURLToPath(new URL("../../configs/schema/scenario.schema.json", import.meta.url));
export const SCENARIO_DIR = fileURLToPath(new URL("../../configs/scenarios/", import.meta.url));

/** A topology's scenarios live next to it, in `scenarios/` (for the seed: configs/scenarios/),
 * so `run --list` and `--all` offer only scenarios written for that topology's elements. */
export function scenarioDirOf(lab: Pick<Lab, "configDir">): string {
  return joinPath(lab.configDir, "scenarios");
}

let compiled: ReturnType<typeof compileSchema> | undefined;

/** A scenario duration in milliseconds, NaN when it is not one (a unit is required; util/duration). */
export function parseDurationMs(text: string): number {
  const d = parseDuration(text);
  return d.ok && d.ms !== null ? d.ms : Number.NaN;
}

type Raw = Record<string, unknown>;

export function loadScenario(file: string, lab: Lab): Scenario {
  const path = resolvePath(file);
  const diags = new Diagnostics();
  const top = { file: path, line: 1, col: 1 };
  const docs = readYamlFile(path, diags, {
    unreadable: (err) => ({ message: `cannot read the scenario: ${errorCode(err)}` }),
    syntaxHint: () => "check indentation and quoting",
  });
  if (docs && docs.length !== 1) diags.add(top, "", `expected one YAML document, found ${docs.length}`);
  const doc = docs?.[0];
  diags.throwIfAny();
  const d = doc as YamlDocument;
  compiled ??= compileSchema(JSON.parse(readFileSync(SCHEMA_FILE, "utf8")));
  checkAgainstSchema(compiled, d, diags);
  diags.throwIfAny();
  const raw = d.value as Raw;
  const at = (p: string) => positionOf(d, p);
  const refs = new References(lab, diags, at);
  const steps = ((raw.steps as Raw[]) ?? []).map((s, i) => toStep(s, `steps[${i}]`, refs, lab));
  const ids = new Map<string, number>();
  steps.forEach((s, i) => {
    if (!s?.id) return;
    if (ids.has(s.id))
      diags.add(
        at(`steps[${i}].id`),
        `steps[${i}].id`,
        `duplicate step id "${s.id}"`,
        "step ids must be unique",
      );
    ids.set(s.id, i);
  });
  const streams = new Set(steps.flatMap((s) => (s?.kind === "traffic" ? [s.name] : [])));
  const metrics = ((raw.metrics as Raw[]) ?? []).map((m, i) =>
    toMetric(m, `metrics[${i}]`, refs, ids, streams),
  );
  const variants: Variant[] = ((raw.variants as Raw[]) ?? [{ name: "seed" }]).map((v, i) =>
    toVariant(v, `variants[${i}]`, refs, lab),
  );
  diags.throwIfAny();
  return {
    name: raw.name as string,
    title: raw.title as string,
    ...(raw.description ? { description: raw.description as string } : {}),
    file: path,
    quick: (raw.quick as boolean) ?? false,
    prepare: (raw.prepare as Scenario["prepare"]) ?? "reconverged",
    variants,
    steps: steps as ScenarioStep[],
    metrics,
  };
}

/** Resolves and checks names against the lab, reporting at the field that named them. */
class References {
  constructor(
    readonly lab: Lab,
    readonly diags: Diagnostics,
    readonly at: (p: string) => { file: string; line: number; col: number },
  ) {}

  private check(name: string, path: string, known: string[], what: string): string {
    if (!known.includes(name)) {
      const guess = closest(name, known);
      this.diags.add(
        this.at(path),
        path,
        `unknown ${what} "${name}"`,
        guess ? `did you mean "${guess}"?` : `known: ${known.join(", ")}`,
      );
    }
    return name;
  }
  router(name: string, path: string) {
    return this.check(
      name,
      path,
      this.lab.routers.map((r) => r.name),
      "router",
    );
  }
  node(name: string, path: string) {
    return this.check(
      name,
      path,
      this.lab.nodes.map((n) => n.name),
      "node",
    );
  }
  site(name: string, path: string) {
    return this.check(
      name,
      path,
      this.lab.sites.map((s) => s.name),
      "site",
    );
  }
  /** Any element with a namespace: router, node or pod. */
  element(name: string, path: string) {
    return this.check(
      name,
      path,
      [
        ...this.lab.routers.map((r) => r.name),
        ...this.lab.nodes.flatMap((n) => [n.name, ...n.pods.map((p) => p.name)]),
      ],
      "router, node or pod",
    );
  }
  /** A target: an element name or an IPv4 address. */
  target(name: string, path: string) {
    return isIPv4(name) ? name : this.element(name, path);
  }
  file(rel: string, path: string): string {
    const abs = resolvePath(this.lab.configDir, rel);
    if (!existsSync(abs))
      this.diags.add(
        this.at(path),
        path,
        `file ${abs} does not exist`,
        "paths are relative to the configs folder",
      );
    return abs;
  }
}

function toStep(s: Raw, path: string, refs: References, lab: Lab): ScenarioStep | undefined {
  const kinds = ["fault", "expect", "traffic", "measure", "wait"].filter((k) => k in s);
  const line = refs.at(path).line;
  if (kinds.length !== 1) {
    refs.diags.add(
      refs.at(path),
      path,
      kinds.length ? `a step has exactly one kind, found ${kinds.join(" and ")}` : "a step needs a kind",
      "one of fault, expect, traffic, measure, wait",
    );
    return undefined;
  }
  const meta = {
    ...(s.id ? { id: s.id as string } : {}),
    ...(s.note ? { note: s.note as string } : {}),
    line,
  };
  const step = stepBody(kinds[0] as string, s, path, refs, lab);
  return step ? { ...step, ...meta } : undefined;
}

/** A router's peer is a BIRD protocol name, sent to birdc: only a plain BIRD symbol may get there. */
function birdProtocol(name: unknown, path: string, refs: References): void {
  try {
    assertBirdSymbol(String(name), "BIRD protocol name");
  } catch (err) {
    refs.diags.add(refs.at(path), path, (err as LabError).message, (err as LabError).hint);
  }
}

/** Longest step duration: a day is far beyond any scenario, and well below setTimeout's 2^31-1 ms. */
export const MAX_DURATION_MS = 24 * 3_600_000;

function duration(text: unknown, path: string, refs: References): number {
  const ms = parseDurationMs(String(text));
  if (!(ms > 0))
    refs.diags.add(
      refs.at(path),
      path,
      `"${String(text)}" is not a positive duration`,
      "e.g. 500ms, 30s, 5m",
    );
  else if (!(ms <= MAX_DURATION_MS))
    refs.diags.add(refs.at(path), path, `"${String(text)}" is longer than a day`, "e.g. 500ms, 30s, 5m");
  return ms;
}

function stepBody(kind: string, s: Raw, path: string, refs: References, lab: Lab): Step | undefined {
  switch (kind) {
    case "wait":
      return { kind: "wait", ms: duration(s.wait, `${path}.wait`, refs) };
    case "traffic": {
      const t = s.traffic as Raw;
      return {
        kind: "traffic",
        name: t.name as string,
        from: refs.element(t.from as string, `${path}.traffic.from`),
        to: refs.target(t.to as string, `${path}.traffic.to`),
        rate: t.rate as number,
        durationMs: duration(t.duration, `${path}.traffic.duration`, refs),
        ...(t.size !== undefined ? { size: t.size as number } : {}),
      };
    }
    case "measure": {
      const m = (s.measure as Raw).pathMtu as Raw | undefined;
      if (!m) {
        refs.diags.add(
          refs.at(`${path}.measure`),
          `${path}.measure`,
          "measure needs pathMtu",
          "measure: { pathMtu: { from: POD, to: POD } }",
        );
        return undefined;
      }
      return {
        kind: "measure",
        pathMtu: {
          from: refs.element(m.from as string, `${path}.measure.pathMtu.from`),
          to: refs.target(m.to as string, `${path}.measure.pathMtu.to`),
          max: (m.max as number) ?? 9000,
        },
      };
    }
    case "expect":
      return expectStep(s.expect as Raw, `${path}.expect`, refs);
    case "fault": {
      const f = toFault(s.fault as Raw, `${path}.fault`, refs, lab);
      return f ? { kind: "fault", fault: f } : undefined;
    }
    default:
      return undefined;
  }
}

function expectStep(e: Raw, path: string, refs: References): Step | undefined {
  const withinMs = duration(e.within, `${path}.within`, refs);
  const kinds = ["session", "route", "ping", "tcp", "node"].filter((k) => k in e);
  if (kinds.length !== 1) {
    refs.diags.add(
      refs.at(path),
      path,
      "an expect checks exactly one of session, route, ping, tcp, node",
      `found: ${kinds.join(", ") || "none"}`,
    );
    return undefined;
  }
  const k = kinds[0] as string;
  const b = e[k] as Raw;
  const p = `${path}.${k}`;
  switch (k) {
    case "session": {
      const on = b.on as string;
      const isRouter = refs.lab.routers.some((r) => r.name === on);
      if (!isRouter) refs.node(on, `${p}.on`);
      if (!isRouter && !isIPv4(b.peer as string))
        refs.diags.add(
          refs.at(`${p}.peer`),
          `${p}.peer`,
          "a node's peer is its router's address",
          "e.g. peer: 192.168.0.1",
        );
      if (isRouter) birdProtocol(b.peer, `${p}.peer`, refs);
      return {
        kind: "expect",
        withinMs,
        expect: { kind: "session", on, peer: b.peer as string, state: b.state as "established" | "down" },
      };
    }
    case "route": {
      refs.router(b.on as string, `${p}.on`);
      if (!parseCidr(b.prefix as string))
        refs.diags.add(
          refs.at(`${p}.prefix`),
          `${p}.prefix`,
          `"${String(b.prefix)}" is not an IPv4 prefix`,
          "e.g. 10.42.3.0/24",
        );
      if (b.via !== undefined && !isIPv4(b.via as string))
        refs.diags.add(refs.at(`${p}.via`), `${p}.via`, `"${String(b.via)}" is not an IPv4 address`);
      return {
        kind: "expect",
        withinMs,
        expect: {
          kind: "route",
          on: b.on as string,
          prefix: b.prefix as string,
          ...(b.via ? { via: b.via as string } : {}),
          table: (b.table as "fib" | "bird") ?? "fib",
          present: b.present as boolean,
        },
      };
    }
    case "ping":
      return {
        kind: "expect",
        withinMs,
        expect: {
          kind: "ping",
          from: refs.element(b.from as string, `${p}.from`),
          to: refs.target(b.to as string, `${p}.to`),
          ok: b.ok as boolean,
          ...(b.size !== undefined ? { size: b.size as number } : {}),
          ...(b.dontFragment ? { dontFragment: true } : {}),
        },
      };
    case "node":
      refs.node(b.name as string, `${p}.name`);
      return {
        kind: "expect",
        withinMs,
        expect: { kind: "node", name: b.name as string, ready: b.ready as boolean },
      };
    default:
      return {
        kind: "expect",
        withinMs,
        expect: {
          kind: "tcp",
          from: refs.element(b.from as string, `${p}.from`),
          to: refs.target(b.to as string, `${p}.to`),
          port: b.port as number,
          ok: b.ok as boolean,
        },
      };
  }
}

const ACTIONS: Record<string, string[]> = {
  link: ["down", "up", "impair", "reset", "restart", "direct-down", "direct-up"],
  router: ["kill", "stop", "start", "reconfigure"],
  speaker: ["kill", "stop", "start"],
  node: ["remove", "add"],
  lab: ["up"],
};
/** `between: [ROUTER, ROUTER]`: down or up of one pair's path, both ways, and nothing else. */
function pairFault(f: Raw, action: string, path: string, refs: References): Fault {
  if (action !== "down" && action !== "up")
    throw new Error(`between applies to down and up only, not to ${action}`);
  if (f.direction !== undefined)
    throw new Error("give either direction or between: between already means both ways between two routers");
  const [a, b] = (f.between as string[]).map((r, i) => refs.router(r, `${path}.between[${i}]`)) as [
    string,
    string,
  ];
  if (a === b) throw new Error(`between needs two different routers, got ${a} twice`);
  return { kind: "link", action, between: [a, b] };
}

const IMPAIR_KEYS = ["delay", "jitter", "loss", "burst", "rate", "duplicate"] as const;

function toFault(f: Raw, path: string, refs: References, lab: Lab): Fault | undefined {
  const targets = Object.keys(ACTIONS).filter((k) => k in f);
  if (targets.length !== 1) {
    refs.diags.add(
      refs.at(path),
      path,
      "a fault names exactly one target",
      "link: zt, router: NAME, speaker: NODE, node: NAME or lab: up",
    );
    return undefined;
  }
  const target = targets[0] as string;
  const action = f.action as string;
  if (!ACTIONS[target]?.includes(action)) {
    refs.diags.add(
      refs.at(`${path}.action`),
      `${path}.action`,
      `action "${action}" does not apply to ${target}`,
      `${target} takes: ${ACTIONS[target]?.join(", ")}`,
    );
    return undefined;
  }
  const sites = lab.sites.map((s) => s.name);
  const direction = f.direction as string | undefined;
  try {
    if (target === "link") {
      if (action === "impair") {
        const words: string[] = [];
        for (const k of IMPAIR_KEYS) if (f[k] !== undefined) words.push(`--${k}`, String(f[k]));
        if (direction) words.push("--direction", direction);
        if (words.length === 0 || (words.length === 2 && direction))
          throw new Error("impair needs at least one of delay, jitter, loss, burst, rate, duplicate");
        const parsed = parseImpairmentArgs(words, sites);
        return { kind: "link", action: "impair", direction: parsed.direction, impairment: parsed.impairment };
      }
      if (action === "restart") {
        // A service restart takes zt0 away at both ends: it has no direction.
        if (direction) throw new Error("restart acts on both routers: leave out direction");
        if (f.for === undefined) throw new Error("restart needs for: how long zt0 is gone, e.g. for: 5s");
        return { kind: "link", action: "restart", forMs: duration(f.for, `${path}.for`, refs) };
      }
      if (f.for !== undefined) throw new Error(`for applies to restart only, not to ${action}`);
      if (f.between !== undefined) return pairFault(f, action, path, refs);
      if (direction) parseImpairmentArgs(["--direction", direction], sites);
      return {
        kind: "link",
        action: action as "down" | "up" | "reset" | "direct-down" | "direct-up",
        ...(direction ? { direction } : {}),
      };
    }
  } catch (err) {
    refs.diags.add(refs.at(path), path, (err as Error).message);
    return undefined;
  }
  if (target === "router") {
    const router = refs.router(f.router as string, `${path}.router`);
    if (action === "reconfigure") {
      if (!f.config) {
        refs.diags.add(
          refs.at(path),
          path,
          "reconfigure needs config",
          "config: routers/variants/NAME/bird.conf",
        );
        return undefined;
      }
      return { kind: "router", action, router, config: refs.file(f.config as string, `${path}.config`) };
    }
    return { kind: "router", action: action as "kill" | "stop" | "start", router };
  }
  if (target === "speaker" && f.boot !== undefined && action !== "start")
    refs.diags.add(
      refs.at(`${path}.boot`),
      `${path}.boot`,
      `boot applies to a speaker start, not to ${action}`,
      "put `boot:` on the step that starts the speaker again (action: start)",
    );
  if (target === "speaker")
    return {
      kind: "speaker",
      action: action as "kill" | "stop" | "start",
      node: refs.node(f.speaker as string, `${path}.speaker`),
      ...(f.boot !== undefined ? { bootMs: duration(f.boot, `${path}.boot`, refs) } : {}),
    };
  if (target === "lab") return { kind: "lab", action: "up" };
  if (action === "remove")
    return { kind: "node", action: "remove", node: refs.node(f.node as string, `${path}.node`) };
  for (const k of ["site", "address", "podCIDR", "config"]) {
    if (f[k] === undefined)
      refs.diags.add(
        refs.at(path),
        path,
        `adding a node needs ${k}`,
        "node: NAME, site: SITE, address: IP, podCIDR: CIDR, config: ROUTER-CONFIG",
      );
  }
  if (f.site === undefined || f.address === undefined || f.podCIDR === undefined || f.config === undefined)
    return undefined;
  // The new node gets the namespace <lab>-<name>: no other namespace of the lab may have it.
  const taken = [
    "inet",
    ...lab.sites.map((s) => `sw-${s.name}`),
    ...lab.routers.map((r) => r.name),
    ...lab.nodes.flatMap((n) => [n.name, ...n.pods.map((p) => p.name)]),
  ];
  if (taken.includes(f.node as string))
    refs.diags.add(
      refs.at(`${path}.node`),
      `${path}.node`,
      `node "${String(f.node)}" already exists`,
      "pick a new name",
    );
  if (!isIPv4(f.address as string))
    refs.diags.add(
      refs.at(`${path}.address`),
      `${path}.address`,
      `"${String(f.address)}" is not an IPv4 address`,
    );
  if (!parseCidr(f.podCIDR as string))
    refs.diags.add(
      refs.at(`${path}.podCIDR`),
      `${path}.podCIDR`,
      `"${String(f.podCIDR)}" is not an IPv4 prefix`,
      "e.g. 10.42.2.0/24",
    );
  return {
    kind: "node",
    action: "add",
    node: {
      name: f.node as string,
      site: refs.site(f.site as string, `${path}.site`),
      address: f.address as string,
      podCIDR: f.podCIDR as string,
      labels: (f.labels as Record<string, string>) ?? {},
      pods: (f.pods as number) ?? 1,
    },
    routerConfig: refs.file(f.config as string, `${path}.config`),
  };
}

function toMetric(
  m: Raw,
  path: string,
  refs: References,
  ids: Map<string, number>,
  streams: Set<string>,
): MetricSpec {
  const spec = m as unknown as MetricSpec;
  if (spec.after && !ids.has(spec.after))
    refs.diags.add(
      refs.at(`${path}.after`),
      `${path}.after`,
      `no step has id "${spec.after}"`,
      `step ids: ${[...ids.keys()].join(", ") || "none"}`,
    );
  if (spec.until && !ids.has(spec.until))
    refs.diags.add(
      refs.at(`${path}.until`),
      `${path}.until`,
      `no step has id "${spec.until}"`,
      `step ids: ${[...ids.keys()].join(", ") || "none"}`,
    );
  if (spec.until && !spec.measure.startsWith("rtt-"))
    refs.diags.add(
      refs.at(`${path}.until`),
      `${path}.until`,
      `"until" windows round-trip times only, not ${spec.measure}`,
      "remove it, or measure rtt-p50, rtt-p95 or rtt-max",
    );
  if (spec.step && !ids.has(spec.step))
    refs.diags.add(refs.at(`${path}.step`), `${path}.step`, `no step has id "${spec.step}"`);
  const needs: Record<string, string[]> = {
    "session-down": ["on", "peer"],
    "session-up": ["on", "peer"],
    "route-del": ["on", "prefix"],
    "route-add": ["on", "prefix"],
    outage: ["stream"],
    loss: ["stream"],
    "rtt-p50": ["stream"],
    "rtt-p95": ["stream"],
    "rtt-max": ["stream"],
    "step-value": ["step"],
    "session-flaps": [],
    "up-check": ["check"],
    "node-notready": ["on"],
    "pods-evicted": ["on"],
    "zt-relayed": [],
  };
  for (const k of needs[spec.measure] ?? []) {
    if ((spec as unknown as Raw)[k] === undefined)
      refs.diags.add(refs.at(path), path, `metric ${spec.measure} needs "${k}"`);
  }
  if (spec.via !== undefined && spec.measure !== "route-add" && spec.measure !== "route-del")
    refs.diags.add(refs.at(`${path}.via`), `${path}.via`, `via applies to route-add and route-del only`);
  else if (spec.via !== undefined && !isIPv4(spec.via))
    refs.diags.add(
      refs.at(`${path}.via`),
      `${path}.via`,
      `not an IPv4 address: "${spec.via}"`,
      "via: 192.168.191.14",
    );
  if (spec.stream && !streams.has(spec.stream))
    refs.diags.add(
      refs.at(`${path}.stream`),
      `${path}.stream`,
      `no traffic step named "${spec.stream}"`,
      `traffic: ${[...streams].join(", ") || "none"}`,
    );
  if (spec.on && (spec.measure === "node-notready" || spec.measure === "pods-evicted"))
    refs.node(spec.on, `${path}.on`);
  else if (spec.on) {
    const known = [...refs.lab.routers.map((r) => r.name), ...refs.lab.nodes.map((n) => n.name)];
    if (!known.includes(spec.on))
      refs.diags.add(
        refs.at(`${path}.on`),
        `${path}.on`,
        `unknown router or node "${spec.on}"`,
        `known: ${known.join(", ")}`,
      );
  }
  return spec;
}

function toVariant(v: Raw, path: string, refs: References, lab: Lab): Variant {
  const routers: Record<string, string> = {};
  for (const [name, file] of Object.entries((v.routers as Record<string, string>) ?? {})) {
    refs.router(name, `${path}.routers.${name}`);
    routers[name] = refs.file(file, `${path}.routers.${name}`);
  }
  void lab;
  return {
    name: v.name as string,
    ...(v.description ? { description: v.description as string } : {}),
    routers,
    ...(v.peerConfig ? { peerConfig: v.peerConfig as Variant["peerConfig"] } : {}),
  };
}
