// Running HOST tools (ip, ping, fping) inside a container's or a pod's network namespace, with
// nsenter. containerlab only runs on Linux as root, so wherever the clab runtime runs this works:
// the tools are the host's (the mount namespace is not entered), the network is the target's.
//
// A container's namespace is reached through its init pid (engine inspect). A Kubernetes pod
// has no container of ours: its namespace is found by scanning every process's
// /proc/PID/ns/net, grouping the pids by namespace (the link's inode), and asking each
// namespace other than the host's whether it holds the pod's address.
import { readdir, readlink } from "node:fs/promises";
import { isIPv4 } from "../../topology/ipv4.ts";
import { LabError } from "../../util/errors.ts";
import { run } from "../../util/exec.ts";

/** `nsenter --net=/proc/PID/ns/net --`: prefix a command with it to run it in PID's network. */
export function enterArgv(pid: number): string[] {
  if (!Number.isSafeInteger(pid) || pid <= 0) throw new LabError(`enter: invalid pid ${String(pid)}`);
  return ["nsenter", `--net=/proc/${pid}/ns/net`, "--"];
}

/** The inode of a namespace link's target ("net:[4026531840]"); undefined for anything else. */
export function netnsInode(link: string): number | undefined {
  const m = /^net:\[(\d+)\]$/.exec(link.trim());
  return m ? Number(m[1]) : undefined;
}

export interface PidNetns {
  pid: number;
  inode: number;
}

/** Pids grouped by namespace (ascending pids, namespaces in order of their lowest pid), host ones left out. */
export function groupByNetns(entries: readonly PidNetns[], skip: ReadonlySet<number>): number[][] {
  const groups = new Map<number, number[]>();
  for (const { pid, inode } of [...entries].sort((a, b) => a.pid - b.pid)) {
    if (skip.has(inode)) continue;
    const group = groups.get(inode);
    if (group) group.push(pid);
    else groups.set(inode, [pid]);
  }
  return [...groups.values()];
}

/** The IPv4 addresses (`local`) in the output of `ip -j -4 addr show`. */
export function ipv4Addresses(ipJson: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(ipJson);
  } catch {
    throw new LabError(`ip -j addr: not JSON: ${ipJson.slice(0, 80)}`);
  }
  if (!Array.isArray(parsed)) throw new LabError("ip -j addr: expected a list of interfaces");
  const found: string[] = [];
  for (const link of parsed) {
    const infos = (link as { addr_info?: unknown } | null)?.addr_info;
    if (!Array.isArray(infos)) continue;
    for (const info of infos) {
      const { family, local } = (info ?? {}) as { family?: unknown; local?: unknown };
      if (family === "inet" && typeof local === "string") found.push(local);
    }
  }
  return found;
}

async function inodeOf(pid: number | "self", proc: string): Promise<number | undefined> {
  try {
    return netnsInode(await readlink(`${proc}/${pid}/ns/net`));
  } catch {
    // Gone, or not ours to read (ptrace access checks).
    return undefined;
  }
}

/** Every readable /proc/PID/ns/net. */
export async function scanNetns(proc = "/proc"): Promise<PidNetns[]> {
  const pids = (await readdir(proc)).filter((e) => /^\d+$/.test(e)).map(Number);
  const entries = await Promise.all(pids.map(async (pid) => ({ pid, inode: await inodeOf(pid, proc) })));
  return entries.filter((e): e is PidNetns => e.inode !== undefined);
}

/** The host's namespace: pid 1's (when readable) and this process's. */
async function hostNetns(proc: string): Promise<Set<number>> {
  const host = new Set<number>();
  for (const pid of [1, process.pid] as const) {
    const inode = await inodeOf(pid, proc);
    if (inode !== undefined) host.add(inode);
  }
  return host;
}

export interface FindNetnsOptions {
  /** Bound on each `ip addr` inside a namespace. */
  timeoutMs?: number;
  /** Namespaces asked at once. */
  concurrency?: number;
}

/**
 * A pid in the (non-host) network namespace holding the IPv4 `address`, or undefined. When more
 * than one does, any of them. Needs root (nsenter, and reading other users' /proc/PID/ns).
 */
export async function findNetnsWithAddress(
  address: string,
  opts: FindNetnsOptions = {},
): Promise<number | undefined> {
  if (!isIPv4(address)) throw new LabError(`findNetnsWithAddress: not an IPv4 address: ${address}`);
  const timeoutMs = opts.timeoutMs ?? 5000;
  const groups = groupByNetns(await scanNetns(), await hostNetns("/proc"));

  /** Asks the namespace through its pids in turn (a pid may exit meanwhile). */
  const holds = async (pids: number[]): Promise<number | undefined> => {
    for (const pid of pids) {
      const r = await run([...enterArgv(pid), "ip", "-j", "-4", "addr", "show"], {
        timeoutMs,
        allowFailure: true,
      }).catch(() => undefined);
      if (r?.code !== 0) continue;
      let addresses: string[];
      try {
        addresses = ipv4Addresses(r.stdout);
      } catch {
        continue;
      }
      return addresses.includes(address) ? pid : undefined;
    }
    return undefined;
  };

  let found: number | undefined;
  let next = 0;
  const worker = async () => {
    while (found === undefined && next < groups.length) {
      const group = groups[next++] as number[];
      const pid = await holds(group);
      if (pid !== undefined && found === undefined) found = pid;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 8) }, worker));
  return found;
}
