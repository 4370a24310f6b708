// `lab diff` refuses bad input with exit 2 before any lab exists, and leaves nothing behind: an
// unknown ref, a bad --repeat or --name, an unknown scenario, a guards.yaml with a typo (with its
// file:line:col). Run against a temp git repository holding the project's configs.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { materialiseRef, materialiseWorkingTree, resolveRef } from "../../../lab/diff/materialise.ts";
import { UsageError } from "../../../lab/util/errors.ts";
import { REPO, runLabCli } from "../../helpers/cli.ts";

function repoWithConfigs(): string {
  const dir = mkdtempSync(join(tmpdir(), "lab-diff-cli-"));
  cpSync(join(REPO, "configs"), join(dir, "configs"), { recursive: true });
  const git = (...a: string[]) =>
    execFileSync("git", ["-C", dir, "-c", "user.name=lab", "-c", "user.email=lab@example.invalid", ...a]);
  git("init", "-q");
  git("add", "-A");
  git("commit", "-qm", "seed");
  return dir;
}

function lab(args: string[], workdir: string) {
  return runLabCli(args, { LAB_WORKDIR: workdir });
}

test("materialise: a ref's configs/ through git archive, the working tree's with its edits", async (t) => {
  const repo = repoWithConfigs();
  const out = mkdtempSync(join(tmpdir(), "lab-diff-trees-"));
  t.teardown(() => {
    rmSync(repo, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  });
  writeFileSync(join(repo, "configs/guards.yaml"), "# edited, not committed\n");
  const base = await materialiseRef(repo, "HEAD", join(out, "base"));
  t.regex(base.commit ?? "", /^[0-9a-f]{40}$/);
  t.true(existsSync(join(base.dir, "topology.yaml")));
  t.deepEqual(readdirSync(join(out, "base")), ["configs"], "only configs/, the archive removed");
  t.true(existsSync(join(base.dir, "guards.yaml")));
  const head = materialiseWorkingTree(repo, join(out, "head"));
  t.is(head.commit, null);
  t.is(
    execFileSync("cat", [join(head.dir, "guards.yaml")], { encoding: "utf8" }),
    "# edited, not committed\n",
  );
  await t.throwsAsync(resolveRef(repo, "no-such-branch"), {
    instanceOf: UsageError,
    message: /"no-such-branch" is not a commit/,
  });
  await t.throwsAsync(resolveRef(repo, "--all"), { instanceOf: UsageError }, "a ref is never an option");
});

test("bad input exits 2 with the reason, before any lab exists, leaving nothing behind", (t) => {
  const repo = repoWithConfigs();
  const workdir = mkdtempSync(join(tmpdir(), "lab-diff-work-"));
  t.teardown(() => {
    rmSync(repo, { recursive: true, force: true });
    rmSync(workdir, { recursive: true, force: true });
  });
  const cases: [string[], RegExp][] = [
    [["--base", "nope"], /"nope" is not a commit/],
    [["--base", "HEAD", "--repeat", "0"], /--repeat "0": must be a whole number from 1 to 20/],
    [["--base", "HEAD", "--name", "TooLongName"], /--name "TooLongName" cannot name the two labs/],
    [["--base", "HEAD", "--scenarios", "zt-outage-31s"], /unknown scenario "zt-outage-31s"/],
    [[], /--base REF is required/],
  ];
  for (const [args, re] of cases) {
    const r = lab(["diff", "--repo", repo, "--name", "dfx", ...args], workdir);
    t.is(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
    t.regex(r.stderr, re);
  }
  writeFileSync(
    join(repo, "configs/guards.yaml"),
    "routes:\n  - { router: router-mien, prefix: 10.42.3.0/24 }\n",
  );
  const r = lab(["diff", "--repo", repo, "--name", "dfx", "--base", "HEAD"], workdir);
  t.is(r.status, 2, r.stderr);
  t.regex(
    r.stderr,
    /head\/configs\/guards\.yaml:2:\d+: routes\[0\]\.router: no router "router-mien" in the topology \(did you mean "router-mine"\?\)/,
  );
  t.deepEqual(
    readdirSync(workdir).flatMap((d) => readdirSync(join(workdir, d)).map((x) => `${d}/${x}`)),
    [],
    "nothing created",
  );
});
