// The two config trees a diff compares, taken from git: a commit's configs/ through `git archive`
// (only the configs: the lab code that runs them is the working tree's), or the working tree's
// own configs/ for the head. Each lands in its own directory; nothing in the repository changes.
import { cpSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "../util/errors.ts";
import { run } from "../util/exec.ts";

/** The folder of a repository a diff materialises. */
export const CONFIG_DIR = "configs";

export interface ConfigTree {
  /** What the user named: a ref, or "working tree". */
  ref: string;
  /** The commit it resolves to; null for the working tree. */
  commit: string | null;
  /** Where its configs/ now is. */
  dir: string;
}

const git = (repo: string, args: string[], allowFailure = false) =>
  run(["git", "-C", repo, ...args], { timeoutMs: 30_000, allowFailure });

/** The top of the git repository that holds `dir`; a usage error when there is none. */
export async function repoRoot(dir: string): Promise<string> {
  const r = await git(dir, ["rev-parse", "--show-toplevel"], true);
  if (r.code !== 0)
    throw new UsageError(
      `${dir} is not inside a git repository`,
      "run lab diff in a checkout, or pass --repo DIR",
    );
  return r.stdout.trim();
}

/** The commit a ref names; a usage error naming the ref when git does not know it. */
export async function resolveRef(repo: string, ref: string): Promise<string> {
  // `--end-of-options` keeps a ref such as "--all" from being read as an option.
  const r = await git(
    repo,
    ["rev-parse", "--verify", "--quiet", "--end-of-options", `${ref}^{commit}`],
    true,
  );
  if (r.code !== 0 || !/^[0-9a-f]{40}$/.test(r.stdout.trim()))
    throw new UsageError(
      `--base/--head: "${ref}" is not a commit of ${repo}`,
      "name a branch, tag, commit or HEAD~N",
    );
  return r.stdout.trim();
}

/** Extracts `configs/` of a ref into `dest` (which must not exist yet). */
export async function materialiseRef(repo: string, ref: string, dest: string): Promise<ConfigTree> {
  const commit = await resolveRef(repo, ref);
  const ls = await git(repo, ["ls-tree", "--name-only", commit, "--", CONFIG_DIR]);
  if (!ls.stdout.trim())
    throw new UsageError(`${ref} has no ${CONFIG_DIR}/ folder`, "name a commit of this project");
  mkdirSync(dest, { recursive: true });
  const tar = join(dest, "configs.tar");
  await git(repo, ["archive", "--format=tar", `--output=${tar}`, commit, "--", CONFIG_DIR]);
  await run(["tar", "-xf", tar, "-C", dest], { timeoutMs: 30_000 });
  rmSync(tar);
  return { ref, commit, dir: join(dest, CONFIG_DIR) };
}

/** Copies the working tree's `configs/` (uncommitted edits included) into `dest`. */
export function materialiseWorkingTree(repo: string, dest: string): ConfigTree {
  const src = join(repo, CONFIG_DIR);
  if (!existsSync(src))
    throw new UsageError(
      `${repo} has no ${CONFIG_DIR}/ folder`,
      "run lab diff in a checkout of this project",
    );
  mkdirSync(dest, { recursive: true });
  cpSync(src, join(dest, CONFIG_DIR), { recursive: true });
  return { ref: "working tree", commit: null, dir: join(dest, CONFIG_DIR) };
}
