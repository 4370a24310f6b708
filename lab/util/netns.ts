// Queries and removal of lab namespaces. (Creation is batched in build.ts.)
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
