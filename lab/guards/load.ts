// Loading the operator's guards (configs/guards.yaml next to the topology): YAML with positions,
// the JSON Schema, then every name checked against the lab and every prefix and address parsed,
// each problem as file:line:col with a hint, all before anything runs. No file: no guards.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { closest, Diagnostics } from "../config/diagnostics.ts";
import { errorCode, readYamlFile } from "../config/read.ts";
import { checkAgainstSchema, compileSchema } from "../config/schema-check.ts";
import { positionOf, type YamlDocument } from "../config/yaml.ts";
import { isIPv4, parseCidr } from "../topology/ipv4.ts";
import type { Lab } from "../topology/model.ts";
import type { OperatorGuard } from "./model.ts";

const SCHEMA_FILE = fileURLToPath(new URL("../../configs/schema/guards.schema.json", import.meta.url));
let compiled: ReturnType<typeof compileSchema> | undefined;

/** Where a lab's guards live: next to its topology file. */
export const guardsFile = (lab: Lab) => join(lab.configDir, "guards.yaml");

type Raw = Record<string, unknown>;

export function loadGuards(lab: Lab, file = guardsFile(lab)): OperatorGuard[] {
  if (!existsSync(file)) return [];
  const diags = new Diagnostics();
  const docs = readYamlFile(file, diags, {
    unreadable: (err) => ({ message: `cannot read the guards: ${errorCode(err)}` }),
    syntaxHint: () => "check indentation and quoting",
  });
  if (docs && docs.length > 1)
    diags.add({ file, line: 1, col: 1 }, "", `expected one YAML document, found ${docs.length}`);
  diags.throwIfAny();
  const doc = docs?.[0];
  if (!doc || doc.value === null || doc.value === undefined) return [];
  compiled ??= compileSchema(JSON.parse(readFileSync(SCHEMA_FILE, "utf8")));
  checkAgainstSchema(compiled, doc, diags);
  diags.throwIfAny();
  const out = new GuardReader(lab, doc, diags).read(doc.value as Raw);
  diags.throwIfAny();
  return out;
}

class GuardReader {
  private readonly routers: string[];
  private readonly nodes: string[];
  constructor(
    private readonly lab: Lab,
    private readonly doc: YamlDocument,
    private readonly diags: Diagnostics,
  ) {
    this.routers = lab.routers.map((r) => r.name);
    this.nodes = lab.nodes.map((n) => n.name);
  }

  private at = (path: string) => positionOf(this.doc, path);

  private problem(path: string, message: string, hint?: string): void {
    this.diags.add(this.at(path), path, message, hint);
  }

  private element(path: string, name: string, kinds: "router" | "router or node"): void {
    const known = kinds === "router" ? this.routers : [...this.routers, ...this.nodes];
    if (known.includes(name)) return;
    const guess = closest(name, known);
    this.problem(
      path,
      `no ${kinds} "${name}" in the topology`,
      guess ? `did you mean "${guess}"?` : `one of: ${known.join(", ")}`,
    );
  }

  private prefix(path: string, text: string): void {
    const c = parseCidr(text);
    if (!c) this.problem(path, `"${text}" is not an IPv4 prefix`, "write it like 10.42.3.0/24");
    else if (c.network !== text.split("/")[0])
      this.problem(path, `"${text}" has host bits set`, `did you mean "${c.network}/${c.prefixLength}"?`);
  }

  read(raw: Raw): OperatorGuard[] {
    const out: OperatorGuard[] = [];
    ((raw.routes as Raw[]) ?? []).forEach((g, i) => {
      const p = `routes[${i}]`;
      this.element(`${p}.router`, g.router as string, "router");
      this.prefix(`${p}.prefix`, g.prefix as string);
      if (g.via !== undefined && !isIPv4(g.via as string))
        this.problem(`${p}.via`, `"${g.via}" is not an IPv4 address`, "the next hop, e.g. 192.168.191.10");
      out.push({
        kind: "route",
        router: g.router as string,
        prefix: g.prefix as string,
        ...(g.via !== undefined ? { via: g.via as string } : {}),
        source: this.at(p),
      });
    });
    ((raw.never as Raw[]) ?? []).forEach((g, i) => {
      const p = `never[${i}]`;
      this.prefix(`${p}.prefix`, g.prefix as string);
      const on = g.on as string[] | undefined;
      for (const [j, name] of (on ?? []).entries()) this.element(`${p}.on[${j}]`, name, "router or node");
      out.push({ kind: "never", prefix: g.prefix as string, ...(on ? { on } : {}), source: this.at(p) });
    });
    ((raw.sessions as Raw[]) ?? []).forEach((g, i) => {
      const p = `sessions[${i}]`;
      this.element(`${p}.on`, g.on as string, "router or node");
      if (this.nodes.includes(g.on as string) && !isIPv4(g.peer as string))
        this.problem(`${p}.peer`, `a node's peer is an address, not "${g.peer}"`, "e.g. 192.168.6.1");
      out.push({
        kind: "session",
        on: g.on as string,
        peer: g.peer as string,
        state: (g.state as "established" | "any") ?? "established",
        source: this.at(p),
      });
    });
    ((raw.metrics as Raw[]) ?? []).forEach((g, i) => {
      const p = `metrics[${i}]`;
      const scenario = g.scenario as string;
      if (!existsSync(join(this.lab.configDir, "scenarios", `${scenario}.yaml`)))
        this.problem(
          `${p}.scenario`,
          `no scenario "${scenario}"`,
          `a file configs/scenarios/${scenario}.yaml`,
        );
      if (typeof g.min === "number" && typeof g.max === "number" && g.min > g.max)
        this.problem(p, `min ${g.min} is above max ${g.max}`);
      out.push({
        kind: "metric",
        scenario,
        metric: g.metric as string,
        ...(typeof g.min === "number" ? { min: g.min } : {}),
        ...(typeof g.max === "number" ? { max: g.max } : {}),
        source: this.at(p),
      });
    });
    return out;
  }
}
