// What a lab may leave on the host, measured from outside the lab's own code: the host network
// namespace's state (addresses, routes, rules, links, firewall, sysctls), a lab's residue
// (namespaces, journaled processes, processes naming its work dir, files), and the lab CLI run
// as a child process in its own process group, with its stderr progress lines timestamped.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Journal, type JournalEntry } from "../../lab/runtime/netns/journal.ts";
import { workPaths } from "../../lab/runtime/workdir.ts";
import { isAlive } from "../../lab/util/processes.ts";

const execFileP = promisify(execFile);

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url)).replace(/\/$/, "");

// ---------------------------------------------------------------------------------------------
// The host network namespace

/** One section per source, each a sorted list of normalised lines (so a diff is set-based). */
export interface HostSnapshot {
  /** The network namespace the snapshot was taken in (compare with hostNetns()). */
  netns: string;
  sections: Record<string, string[]>;
}

/** Devices other engineers' tools create on the host (Docker): noise, not the lab's. */
export const NOISE_DEVICE = /^(docker\d*|br-[0-9a-f]{12}|veth[0-9a-f]{7})$/;

async function tool(argv: string[]): Promise<string | null> {
  const [cmd, ...args] = argv;
  if (!cmd) return null;
  try {
    return (await execFileP(cmd, args, { maxBuffer: 64 * 1024 * 1024 })).stdout;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === "ENOENT") return null; // not installed
    throw new Error(`${argv.join(" ")} failed: ${(err as Error).message}`);
  }
}

/** JSON without the fields that change on their own (lifetimes, expiry timers, counters). */
const VOLATILE = new Set(["valid_life_time", "preferred_life_time", "expires", "stats", "stats64", "used"]);

function stable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stable);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      if (!VOLATILE.has(k)) out[k] = stable((value as Record<string, unknown>)[k]);
    }
    return out;
  }
  return value;
}

function jsonList(text: string | null): Record<string, unknown>[] {
  if (text === null) return [];
  return (JSON.parse(text.trim() || "[]") as Record<string, unknown>[] | null) ?? [];
}

/** The sysctls a lab could plausibly touch: forwarding, per-interface defaults, buffers. */
const SYSCTL_FILES = [
  "net/ipv4/ip_forward",
  "net/ipv4/ip_local_port_range",
  "net/ipv4/ping_group_range",
  "net/ipv4/ip_unprivileged_port_start",
  "net/ipv4/tcp_rmem",
  "net/ipv4/tcp_wmem",
  "net/ipv6/conf/all/disable_ipv6",
  "net/ipv6/conf/default/disable_ipv6",
  "net/ipv6/conf/all/forwarding",
  "net/core/rmem_max",
  "net/core/wmem_max",
  "net/core/rmem_default",
  "net/core/wmem_default",
  "net/core/somaxconn",
  "net/core/netdev_max_backlog",
];
const SYSCTL_DIRS = ["net/ipv4/conf/all", "net/ipv4/conf/default"];

function readSysctls(): string[] {
  const files = [...SYSCTL_FILES];
  for (const dir of SYSCTL_DIRS) {
    try {
      for (const f of readdirSync(`/proc/sys/${dir}`)) files.push(`${dir}/${f}`);
    } catch {
      // not present on this kernel
    }
  }
  const out: string[] = [];
  for (const f of files) {
    try {
      const v = readFileSync(`/proc/sys/${f}`, "utf8").trim().replace(/\s+/g, " ");
      out.push(`${f.replaceAll("/", ".")} = ${v}`);
    } catch {
      // write-only or unreadable entries (e.g. stable_secret): nothing to compare
    }
  }
  return out;
}

/** Lines of iptables-save / nft output without comments, timestamps and packet counters. */
function rulesetLines(text: string | null): string[] {
  if (text === null) return ["(not installed)"];
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"))
    .map((l) => l.replace(/\[\d+:\d+\]/g, "[counters]").replace(/counter packets \d+ bytes \d+/g, "counter"))
    .filter((l) => !/docker/i.test(l));
}

export async function hostSnapshot(): Promise<HostSnapshot> {
  const netns = readlinkSync("/proc/self/ns/net");
  const [addr, route, rule, link, ipt, nft] = await Promise.all([
    tool(["ip", "-j", "addr"]),
    tool(["ip", "-j", "route", "show", "table", "all"]),
    tool(["ip", "-j", "rule"]),
    tool(["ip", "-j", "link"]),
    tool(["iptables-save"]),
    tool(["nft", "list", "ruleset"]),
  ]);
  const links = jsonList(link).filter((l) => !NOISE_DEVICE.test(String(l.ifname)));
  const sections: Record<string, string[]> = {
    link: links.map((l) => {
      const flags = ((l.flags as string[] | undefined) ?? []).join(",");
      return `${l.ifname} <${flags}> mtu ${l.mtu}${l.master ? ` master ${l.master}` : ""}`;
    }),
    addr: jsonList(addr)
      .filter((l) => !NOISE_DEVICE.test(String(l.ifname)))
      .flatMap((l) =>
        ((l.addr_info as Record<string, unknown>[] | undefined) ?? []).map(
          (a) => `${l.ifname} ${JSON.stringify(stable(a))}`,
        ),
      ),
    route: jsonList(route)
      .filter((r) => !NOISE_DEVICE.test(String(r.dev ?? "")))
      .map((r) => JSON.stringify(stable(r))),
    rule: jsonList(rule).map((r) => JSON.stringify(stable(r))),
    iptables: rulesetLines(ipt),
    nft: rulesetLines(nft),
    sysctl: readSysctls(),
  };
  for (const k of Object.keys(sections)) sections[k] = [...new Set(sections[k])].sort();
  return { netns, sections };
}

/**
 * The host's own network namespace: pid 1's, or where pid 1 cannot be inspected (no
 * CAP_SYS_PTRACE over it in a sandbox) the one of the process that started this test run.
 */
export function hostNetns(): string {
  for (const pid of [1, process.ppid]) {
    try {
      return readlinkSync(`/proc/${pid}/ns/net`);
    } catch {
      // not ours to inspect
    }
  }
  return readlinkSync("/proc/self/ns/net");
}

/** Human-readable differences, one line per line that appeared (+) or disappeared (-). */
export function diffSnapshots(before: HostSnapshot, after: HostSnapshot): string[] {
  const out: string[] = [];
  if (before.netns !== after.netns) out.push(`netns: ${before.netns} -> ${after.netns}`);
  const keys = new Set([...Object.keys(before.sections), ...Object.keys(after.sections)]);
  for (const k of keys) {
    const a = new Set(before.sections[k] ?? []);
    const b = new Set(after.sections[k] ?? []);
    for (const l of a) if (!b.has(l)) out.push(`${k} - ${l}`);
    for (const l of b) if (!a.has(l)) out.push(`${k} + ${l}`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// What a lab leaves behind

export type JournaledProcess = Extract<JournalEntry, { kind: "process" }>;

/** The processes a lab's journal names (read it before `down`: `down` removes it). */
export function journaledProcesses(lab: string): JournaledProcess[] {
  return new Journal(workPaths(lab).journal).entries().flatMap((e) => (e.kind === "process" ? [e] : []));
}

export async function labNamespaces(lab: string): Promise<string[]> {
  const out = (await tool(["ip", "-j", "netns", "list"])) ?? "[]";
  const list = (JSON.parse(out.trim() || "[]") as { name: string }[] | null) ?? [];
  return list.map((n) => n.name).filter((n) => n.startsWith(`${lab}-`));
}

/** Live processes whose command line names the lab's work directory (daemons the journal missed). */
export function processesNaming(dir: string): { pid: number; cmdline: string }[] {
  const out: { pid: number; cmdline: string }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").trim();
      if (cmdline.includes(`${dir}/`) && isAlive(pid)) out.push({ pid, cmdline });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

export interface Residue {
  namespaces: string[];
  /** Journaled processes (pid + start time) still alive. */
  alive: string[];
  /** Other live processes naming the work directory (daemons the journal does not name). */
  strays: string[];
  workDir: boolean;
}

/** Everything of `lab` still present; `known` are journaled processes captured before `down`. */
export async function residue(lab: string, known: JournaledProcess[] = []): Promise<Residue> {
  const root = workPaths(lab).root;
  return {
    namespaces: await labNamespaces(lab),
    alive: known.filter((p) => isAlive(p.pid, p.startTime)).map((p) => `${p.name} pid ${p.pid}`),
    strays: processesNaming(root)
      .filter((p) => !known.some((k) => k.pid === p.pid))
      .map((p) => `pid ${p.pid}: ${p.cmdline}`),
    workDir: existsSync(root),
  };
}

export const CLEAN: Residue = { namespaces: [], alive: [], strays: [], workDir: false };

/** Entries of a directory, `depth` levels deep, as paths relative to it ("a", "a/b"). */
export function listTree(dir: string, depth = 1): string[] {
  const out: string[] = [];
  const walk = (rel: string, level: number) => {
    let names: string[];
    try {
      names = readdirSync(rel ? `${dir}/${rel}` : dir);
    } catch {
      return;
    }
    for (const n of names) {
      const p = rel ? `${rel}/${n}` : n;
      out.push(p);
      if (level < depth) {
        try {
          if (statSync(`${dir}/${p}`).isDirectory()) walk(p, level + 1);
        } catch {
          // gone meanwhile
        }
      }
    }
  };
  walk("", 1);
  return out.sort();
}

/** Places outside a lab's work dir where a leak would show: /tmp, /run (and /run/netns), the repo. */
export function fileListing(): Record<string, string[]> {
  return {
    "/tmp": listTree("/tmp", 1),
    "/var/tmp": listTree("/var/tmp", 1),
    "/run": listTree("/run", 2),
    "/dev/shm": listTree("/dev/shm", 1),
    [REPO_ROOT]: listTree(REPO_ROOT, 1),
    [`${REPO_ROOT}/.lab`]: listTree(`${REPO_ROOT}/.lab`, 1),
  };
}

/** Entries that appeared between two listings, as absolute paths. */
export function newEntries(before: Record<string, string[]>, after: Record<string, string[]>): string[] {
  const out: string[] = [];
  for (const [dir, list] of Object.entries(after)) {
    const had = new Set(before[dir] ?? []);
    for (const e of list) if (!had.has(e)) out.push(`${dir}/${e}`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The CLI as a child process

export interface CliExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  ms: number;
}

export interface CliRun {
  child: ChildProcess;
  /** stderr lines with the ms since spawn at which each arrived. */
  lines: { ms: number; text: string }[];
  stdout(): string;
  stderr(): string;
  exited: Promise<CliExit>;
  /** Resolves with the first stderr line matching `re` (or null if the CLI exits first). */
  line(re: RegExp): Promise<{ ms: number; text: string } | null>;
  /** Signals the whole process group (npm, tsx, node and their non-daemon children). */
  killGroup(sig: NodeJS.Signals): void;
  /** The last progress step the CLI printed ("[  1.23s] create links..."), for logs. */
  lastStep(): string;
  /** Pid of the process that runs scripts/lab.ts itself (below npm, sh and tsx), if alive. */
  labPid(): number | null;
}

/** ppid, process group and command line of every process. */
function processTable(): { pid: number; ppid: number; pgid: number; cmdline: string }[] {
  const out: { pid: number; ppid: number; pgid: number; cmdline: string }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ").trim();
      out.push({ pid: Number(entry), ppid: Number(f[1]), pgid: Number(f[2]), cmdline });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** `npm run -s lab -- ARGS` in its own process group (so a SIGKILL can take all of it at once). */
export function runCli(args: string[]): CliRun {
  const start = performance.now();
  const child = spawn("npm", ["run", "-s", "lab", "--", ...args], {
    cwd: REPO_ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: { ms: number; text: string }[] = [];
  let out = "";
  let err = "";
  let partial = "";
  const waiters: { re: RegExp; resolve: (l: { ms: number; text: string } | null) => void }[] = [];
  child.stdout?.setEncoding("utf8").on("data", (d: string) => {
    out += d;
  });
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    err += d;
    partial += d;
    const parts = partial.split("\n");
    partial = parts.pop() ?? "";
    for (const text of parts) {
      const l = { ms: performance.now() - start, text };
      lines.push(l);
      for (const w of [...waiters]) {
        if (w.re.test(text)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(l);
        }
      }
    }
  });
  const exited = new Promise<CliExit>((resolve) => {
    child.on("close", (code, signal) => {
      for (const w of waiters.splice(0)) w.resolve(null);
      resolve({ code, signal, ms: performance.now() - start });
    });
  });
  return {
    child,
    lines,
    stdout: () => out,
    stderr: () => err + partial,
    exited,
    line(re) {
      const hit = lines.find((l) => re.test(l.text));
      if (hit) return Promise.resolve(hit);
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(null);
      return new Promise((resolve) => waiters.push({ re, resolve }));
    },
    killGroup(sig) {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, sig);
      } catch {
        // already gone
      }
    },
    labPid() {
      const group = processTable().filter(
        (p) => p.pgid === child.pid && p.cmdline.includes("scripts/lab.ts") && isAlive(p.pid),
      );
      return group.find((p) => !group.some((q) => q.ppid === p.pid))?.pid ?? null;
    },
    lastStep() {
      const steps = lines.filter((l) => /^\[\s*[\d.]+s\]/.test(l.text));
      return steps.at(-1)?.text.trim() ?? "(no progress line yet)";
    },
  };
}
