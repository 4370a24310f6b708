// Queries and removal of lab namespaces. (Creation is batched in build.ts.)
import { readdirSync, readlinkSync, statSync } from "node:fs";
import { output, run } from "./exec.ts";

export async function listNetns(): Promise<string[]> {
  const out = await output(["ip", "-j", "netns", "list"]).catch(() => "[]");
  const parsed = JSON.parse(out.trim() || "[]") as { name: string }[] | null;
  return (parsed ?? []).map((n) => n.name);
}

export async function deleteNetns(name: string): Promise<void> {
  await run(["ip", "netns", "delete", name], { allowFailure: true });
}

/** Pids of processes whose network namespace is `name`. */
export async function netnsPids(name: string): Promise<number[]> {
  const r = await run(["ip", "netns", "pids", name], { allowFailure: true });
  return r.stdout
    .split(/\s+/)
    .filter(Boolean)
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 1);
}

/**
 * Pids per namespace for many namespaces in one pass over /proc (`ip netns pids` walks all of
 * /proc once per namespace: 130 walks for a 64-node lab). A namespace is matched by the inode
 * of its /run/netns file, which is what /proc/PID/ns/net points at.
 */
export function netnsPidsOf(names: readonly string[]): Map<string, number[]> {
  const byInode = new Map<string, string>();
  const out = new Map<string, number[]>();
  for (const name of names) {
    try {
      byInode.set(`net:[${statSync(`/run/netns/${name}`).ino}]`, name);
      out.set(name, []);
    } catch {
      // Not there (any more): nothing runs in it.
    }
  }
  if (byInode.size === 0) return out;
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid <= 1) continue;
    let link: string;
    try {
      link = readlinkSync(`/proc/${pid}/ns/net`);
    } catch {
      continue; // exited meanwhile, or a kernel thread
    }
    const name = byInode.get(link);
    if (name) out.get(name)?.push(pid);
  }
  return out;
}

/** Deletes many namespaces with one `ip` process; one that is already gone is skipped. */
export async function deleteNetnsMany(names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  await run(["ip", "-force", "-batch", "-"], {
    input: `${names.map((n) => `netns delete ${n}`).join("\n")}\n`,
    allowFailure: true,
  });
}
