// A small reader of BIRD 2 configs for the lint: router id, protocols and templates (inheritance
// resolved the way BIRD copies a template and then applies the protocol's own items, channels
// merged option by option), and the BGP, kernel and BFD settings the checks need, each with the
// file:line:col where it is written. Filters stay text.
import type { SourceRef } from "../topology/model.ts";
import { parseStatements, type Statement, tokensText } from "./bird-syntax.ts";
import { BirdSyntaxError, type Token, tokenizeFile, tokenizeSource } from "./bird-tokens.ts";

export { BirdSyntaxError } from "./bird-tokens.ts";

/** BIRD 2.0.12's BGP defaults (proto/bgp/config.Y) and BFD defaults (proto/bfd/bfd.h). */
export const BIRD_DEFAULTS = {
  holdTime: 240,
  connectRetryTime: 120,
  errorWaitTime: [60, 300] as const,
  bfd: { minRxMs: 10, minTxMs: 100, multiplier: 5 },
} as const;

export interface Located<T> {
  value: T;
  at: SourceRef;
}

/** One option as written: its key (e.g. "hold time"), the tokens after the key, its block if any. */
export interface BirdOption {
  key: string;
  args: Token[];
  body: Statement[] | null;
  at: SourceRef;
  /** The value as text, e.g. `where source != RTS_DEVICE` or `filter { reject ; }`. */
  text: string;
}

export interface BirdChannel {
  /** "ipv4", "ipv6", "ipv4 multicast", ... */
  name: string;
  at: SourceRef;
  /** null = not written (BIRD's per-protocol default applies). */
  import: Located<string> | null;
  export: Located<string> | null;
  nextHopSelf: boolean;
  options: Map<string, BirdOption>;
}

export interface BfdOptions {
  minRxMs?: number;
  minTxMs?: number;
  multiplier?: number;
}

export interface BgpSettings {
  localAddress: Located<string> | null;
  /** value null: written, but not a number this reader can evaluate. */
  localAs: Located<number | null> | null;
  neighborAddress: Located<string> | null;
  neighborAs: Located<number | null> | null;
  /** `neighbor ... internal|external`. */
  neighborType: Located<"internal" | "external"> | null;
  holdTime: Located<number> | null;
  keepaliveTime: Located<number> | null;
  connectRetryTime: Located<number> | null;
  errorWaitTime: Located<[number, number]> | null;
  bfd: Located<{ enabled: boolean; options: BfdOptions }> | null;
  gracefulRestart: Located<"on" | "off" | "aware"> | null;
  /** 0 = direct (single hop). */
  multihop: Located<number> | null;
  /** `password "..."`: TCP MD5 on the session (RFC 2385). */
  password: Located<string> | null;
}

export interface BfdInterface {
  pattern: string;
  options: BfdOptions;
  at: SourceRef;
}

export interface BirdProtocol {
  type: string;
  name: string;
  template: boolean;
  /** The template chain, nearest first. */
  from: string[];
  at: SourceRef;
  options: Map<string, BirdOption>;
  channels: BirdChannel[];
  /** Set for `protocol bgp`. */
  bgp: BgpSettings | null;
  /** Set for `protocol bfd`: its `interface "pattern" { ... }` blocks, in order. */
  bfdInterfaces: BfdInterface[] | null;
}

export interface BirdConfig {
  file: string;
  routerId: Located<string> | null;
  protocols: BirdProtocol[];
  templates: BirdProtocol[];
  /** `define NAME = value;` with a single-token value. */
  defines: Map<string, string>;
}

/** Reads a config and its includes. Throws BirdSyntaxError with the position of the problem. */
export function readBirdConfig(file: string): BirdConfig {
  return buildConfig(tokenizeFile(file), file);
}

/** The same from text; includes are resolved relative to `file`'s folder. */
export function parseBirdConfig(text: string, file: string): BirdConfig {
  return buildConfig(tokenizeSource(text, file), file);
}

interface RawProtocol {
  type: string;
  name: string;
  template: boolean;
  from: string[];
  at: SourceRef;
  options: Map<string, BirdOption>;
  channels: Map<string, { at: SourceRef; options: Map<string, BirdOption> }>;
  statements: Statement[];
}

function buildConfig(tokens: Token[], file: string): BirdConfig {
  const top = parseStatements(tokens);
  const defines = new Map<string, string>();
  const templates = new Map<string, RawProtocol>();
  const protocols: RawProtocol[] = [];
  const counters = new Map<string, number>();
  let routerId: Located<string> | null = null;
  for (const st of top) {
    const w = st.words.map((t) => t.text);
    const head = (w[0] ?? "").toLowerCase();
    if (head === "router" && w[1]?.toLowerCase() === "id" && w[2]) {
      routerId = { value: w[2], at: st.at };
    } else if (head === "define" && w[2] === "=" && w.length === 4) {
      defines.set(w[1] as string, w[3] as string);
    } else if ((head === "protocol" || head === "template") && st.body) {
      const p = protocolHead(st, head === "template", counters);
      if (p.from[0]) {
        const base = templates.get(p.from[0]);
        if (!base) throw new BirdSyntaxError(st.at, `template "${p.from[0]}" is not defined before this`);
        if (base.type !== p.type)
          throw new BirdSyntaxError(
            st.at,
            `template "${base.name}" is a ${base.type} template, not ${p.type}`,
          );
        inherit(p, base);
      }
      applyItems(p, st.body);
      if (p.template) templates.set(p.name, p);
      else protocols.push(p);
    }
  }
  const finish = (p: RawProtocol) => finishProtocol(p, defines);
  return {
    file,
    routerId,
    protocols: protocols.map(finish),
    templates: [...templates.values()].map(finish),
    defines,
  };
}

function protocolHead(st: Statement, template: boolean, counters: Map<string, number>): RawProtocol {
  const w = st.words;
  const type = (w[1]?.text ?? "").toLowerCase();
  let name = "";
  let from: string[] = [];
  let i = 2;
  if (w[i] && w[i]?.text.toLowerCase() !== "from") name = (w[i++] as Token).text;
  if (w[i]?.text.toLowerCase() === "from" && w[i + 1]) from = [(w[i + 1] as Token).text];
  if (!name) {
    // Unnamed protocols get BIRD's automatic names: device1, kernel1, bgp1, ...
    const n = (counters.get(type) ?? 0) + 1;
    counters.set(type, n);
    name = `${type}${n}`;
  }
  return {
    type,
    name,
    template,
    from,
    at: st.at,
    options: new Map(),
    channels: new Map(),
    statements: [],
  };
}

function inherit(p: RawProtocol, base: RawProtocol): void {
  p.from.push(...base.from);
  for (const [k, v] of base.options) p.options.set(k, v);
  for (const [name, ch] of base.channels) p.channels.set(name, { at: ch.at, options: new Map(ch.options) });
  p.statements.push(...base.statements);
}

const CHANNEL_TYPES = new Set(["ipv4", "ipv6", "vpn4", "vpn6", "flow4", "flow6"]);
const CHANNEL_QUALIFIERS = new Set(["multicast", "mpls", "sadr"]);

function applyItems(p: RawProtocol, body: Statement[]): void {
  p.statements.push(...body);
  for (const st of body) {
    const first = st.words[0]?.text.toLowerCase() ?? "";
    if (CHANNEL_TYPES.has(first)) {
      const second = st.words[1]?.text.toLowerCase();
      const name = second && CHANNEL_QUALIFIERS.has(second) ? `${first} ${second}` : first;
      // A channel a template already has is modified, not replaced (BIRD's channel_config_get).
      const ch = p.channels.get(name) ?? { at: st.at, options: new Map<string, BirdOption>() };
      ch.at = st.at;
      for (const item of st.body ?? []) for (const o of splitOption(item)) ch.options.set(o.key, o);
      p.channels.set(name, ch);
    } else {
      for (const o of splitOption(st)) p.options.set(o.key, o);
    }
  }
}

// Option keys of more than one word; anything else is keyed by its first word.
const MULTI_WORD_KEYS = [
  "hold time",
  "min hold time",
  "startup hold time",
  "keepalive time",
  "min keepalive time",
  "connect delay time",
  "start delay time",
  "connect retry time",
  "error wait time",
  "error forget time",
  "graceful restart time",
  "graceful restart",
  "long lived graceful restart",
  "long lived stale time",
  "check link",
  "next hop self",
  "next hop keep",
  "next hop address",
  "next hop prefer",
  "local role",
  "rr client",
  "rr cluster id",
  "rs client",
  "source address",
  "disable after error",
  "disable after cease",
  "enable route refresh",
  "enable as4",
  "enable extended messages",
  "allow local as",
  "min rx interval",
  "min tx interval",
  "idle tx interval",
  "merge paths",
  "add paths",
  "ttl security",
  "require roles",
  "kernel table",
  "scan time",
]
  .map((k) => k.split(" "))
  .sort((a, b) => b.length - a.length);

/** Aliases BIRD treats as the same setting. */
const ALIASES: Record<string, string> = { "start delay time": "connect delay time" };

const POLICY_WORDS = new Set(["all", "none", "filter", "where"]);

function option(key: string, st: Statement, keyLength: number, args = st.words.slice(keyLength)): BirdOption {
  const rest = st.tokens.slice(keyLength);
  return { key, args, body: st.body, at: st.at, text: tokensText(rest) };
}

/** One statement to one or more options (`local`/`neighbor` set several fields at once). */
function splitOption(st: Statement): BirdOption[] {
  const w = st.words.map((t) => t.text.toLowerCase());
  const first = w[0] ?? "";
  if (first === "local" && w[1] !== "role") return addressAndFields("local", st);
  if (first === "neighbor") return addressAndFields("neighbor", st);
  if (first === "direct" && w.length === 1)
    return [{ ...option("multihop", st, 1), args: [{ ...(st.words[0] as Token), text: "0" }] }];
  if (first === "import" || first === "export") {
    // `import all|none|filter|where` is the policy; `import limit`, `import table`, ... are not.
    if (POLICY_WORDS.has(w[1] ?? "")) return [option(first, st, 1)];
    return [option(`${first} ${w[1] ?? ""}`.trim(), st, 2)];
  }
  for (const key of MULTI_WORD_KEYS) {
    if (key.every((k, i) => w[i] === k)) {
      const name = key.join(" ");
      return [option(ALIASES[name] ?? name, st, key.length)];
    }
  }
  return [option(first, st, 1)];
}

/** `local [ADDR] [port N] [as N]`, `neighbor [ADDR|range NET] [port N] [as N] [internal|external]`. */
function addressAndFields(what: "local" | "neighbor", st: Statement): BirdOption[] {
  const out: BirdOption[] = [];
  const w = st.words;
  const field = (key: string, args: Token[]) => out.push(option(`${what} ${key}`, st, 1, args));
  let i = 1;
  const kw = (t: Token | undefined) => t?.text.toLowerCase() ?? "";
  if (kw(w[i]) === "range" && w[i + 1]) {
    field("range", w.slice(i + 1, i + 4));
    i += 2;
    while (w[i] && !["port", "as", "internal", "external"].includes(kw(w[i]))) i++;
  } else if (w[i] && !["port", "as", "internal", "external"].includes(kw(w[i]))) {
    field("address", [w[i] as Token]);
    i++;
    // `ADDR%iface`: skip the interface part.
    if (w[i]?.text === "%") i += 2;
  }
  while (i < w.length) {
    const k = kw(w[i]);
    if ((k === "port" || k === "as") && w[i + 1]) {
      field(k, [w[i + 1] as Token]);
      i += 2;
    } else if (k === "internal" || k === "external") {
      field("type", [w[i] as Token]);
      i++;
    } else i++;
  }
  return out;
}

function finishProtocol(p: RawProtocol, defines: Map<string, string>): BirdProtocol {
  const channels: BirdChannel[] = [...p.channels.entries()].map(([name, ch]) => {
    const policy = (k: string): Located<string> | null => {
      const o = ch.options.get(k);
      return o ? { value: o.text, at: o.at } : null;
    };
    const nhs = ch.options.get("next hop self");
    return {
      name,
      at: ch.at,
      import: policy("import"),
      export: policy("export"),
      nextHopSelf: nhs !== undefined && boolValue(nhs.args, true),
      options: ch.options,
    };
  });
  return {
    type: p.type,
    name: p.name,
    template: p.template,
    from: p.from,
    at: p.at,
    options: p.options,
    channels,
    bgp: p.type === "bgp" ? bgpSettings(p.options, defines) : null,
    bfdInterfaces: p.type === "bfd" ? bfdInterfaces(p.statements) : null,
  };
}

function bgpSettings(o: Map<string, BirdOption>, defines: Map<string, string>): BgpSettings {
  const num = (t: Token | undefined): number | null => {
    if (!t) return null;
    const text = defines.get(t.text) ?? t.text;
    return /^\d+$/.test(text) ? Number(text) : null;
  };
  const located = <T>(key: string, f: (x: BirdOption) => T | null): Located<T> | null => {
    const x = o.get(key);
    if (!x) return null;
    const v = f(x);
    return v === null ? null : { value: v, at: x.at };
  };
  const asn = (key: string): Located<number | null> | null => {
    const x = o.get(key);
    return x ? { value: num(x.args[0]), at: x.at } : null;
  };
  const bfdOpt = o.get("bfd");
  const gr = o.get("graceful restart");
  return {
    localAddress: located(
      "local address",
      (x) => defines.get(x.args[0]?.text ?? "") ?? x.args[0]?.text ?? null,
    ),
    localAs: asn("local as"),
    neighborAddress: located(
      "neighbor address",
      (x) => defines.get(x.args[0]?.text ?? "") ?? x.args[0]?.text ?? null,
    ),
    neighborAs: asn("neighbor as"),
    neighborType: located("neighbor type", (x) => x.args[0]?.text.toLowerCase() as "internal" | "external"),
    holdTime: located("hold time", (x) => num(x.args[0])),
    keepaliveTime: located("keepalive time", (x) => num(x.args[0])),
    connectRetryTime: located("connect retry time", (x) => num(x.args[0])),
    errorWaitTime: located("error wait time", (x) => {
      const a = num(x.args[0]);
      const b = num(x.args[2]);
      return a !== null && b !== null && x.args[1]?.text === "," ? ([a, b] as [number, number]) : null;
    }),
    bfd: bfdOpt
      ? {
          value: {
            // `bfd;` `bfd on;` `bfd graceful;` and `bfd { ... }` enable it; `bfd off;` does not.
            enabled:
              bfdOpt.body !== null ||
              bfdOpt.args[0]?.text.toLowerCase() === "graceful" ||
              boolValue(bfdOpt.args, true),
            options: bfdOpt.body ? bfdOptions(bfdOpt.body) : {},
          },
          at: bfdOpt.at,
        }
      : null,
    gracefulRestart: gr
      ? {
          value:
            gr.args[0]?.text.toLowerCase() === "aware" ? "aware" : boolValue(gr.args, true) ? "on" : "off",
          at: gr.at,
        }
      : null,
    multihop: located("multihop", (x) => (x.args.length === 0 ? 64 : num(x.args[0]))),
    password: located("password", (x) => x.args[0]?.text ?? null),
  };
}

/** BIRD's `bool`: on/yes/off/no/number; nothing written means yes. */
function boolValue(args: Token[], empty: boolean): boolean {
  const t = args[0]?.text.toLowerCase();
  if (t === undefined) return empty;
  if (t === "off" || t === "no" || t === "false" || t === "0") return false;
  return true;
}

/** Every `interface "pattern" { ... }` block (a protocol may have several, so not from the option map). */
function bfdInterfaces(statements: Statement[]): BfdInterface[] {
  return statements
    .filter((st) => st.words[0]?.text.toLowerCase() === "interface")
    .map((st) => ({ pattern: st.words[1]?.text ?? "*", options: bfdOptions(st.body ?? []), at: st.at }));
}

function bfdOptions(body: Statement[]): BfdOptions {
  const out: BfdOptions = {};
  for (const st of body) {
    for (const o of splitOption(st)) {
      const ms = durationMs(o.args);
      if (o.key === "interval" && ms !== null) out.minRxMs = out.minTxMs = ms;
      else if (o.key === "min rx interval" && ms !== null) out.minRxMs = ms;
      else if (o.key === "min tx interval" && ms !== null) out.minTxMs = ms;
      else if (o.key === "multiplier" && /^\d+$/.test(o.args[0]?.text ?? ""))
        out.multiplier = Number(o.args[0]?.text);
    }
  }
  return out;
}

/** `100 ms`, `1 s`, `500 us` to milliseconds. */
function durationMs(args: Token[]): number | null {
  const n = Number(args[0]?.text);
  if (!Number.isFinite(n)) return null;
  const unit = args[1]?.text.toLowerCase();
  if (unit === "s") return n * 1000;
  if (unit === "us") return n / 1000;
  return n; // "ms"
}
