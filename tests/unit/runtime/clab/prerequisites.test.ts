// The clab runtime's prerequisites, detected for real on this machine (PATH lookups, a Docker
// ping, the uid), compared with independent lookups; and the CLI refusing `up --runtime clab`
// before creating anything when something is missing. No fakes: where the machine has a tool,
// the test expects it to be found.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import { clabKind } from "../../../../lab/runtime/clab/kind.ts";
import { clabPaths } from "../../../../lab/runtime/clab/paths.ts";
import {
  checkPrerequisites,
  formatMissing,
  installHints,
  type MissingPrerequisite,
  SCENARIO_COMMANDS,
} from "../../../../lab/runtime/clab/prerequisites.ts";
import { type ExternalTools, HostTools } from "../../../../lab/runtime/clab/tools.ts";
import { clabUp } from "../../../../lab/runtime/clab/up.ts";
import {
  CONTAINERLAB_VERSION,
  KIND_VERSION,
  KUBECTL_VERSION,
} from "../../../../lab/runtime/clab/versions.ts";
import { routerBaselines } from "../../../../lab/runtime/clab/wan-baseline.ts";
import { loadLab } from "../../../../lab/topology/load.ts";
import { LabError } from "../../../../lab/util/errors.ts";
import { netemVerdict } from "../../../../lab/util/netem.ts";

const REPO = fileURLToPath(new URL("../../../../", import.meta.url));

/** `command -v` in a shell: a lookup independent of the code under test. */
function onPath(cmd: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** GET /_ping on the engine's unix socket with node:http, independent of dockerode. */
function engineAnswers(): Promise<boolean> {
  const host = process.env.DOCKER_HOST;
  if (host && !host.startsWith("unix://")) return Promise.resolve(true); // not checkable this way
  const socketPath = host ? host.slice("unix://".length) : "/var/run/docker.sock";
  return new Promise((resolve) => {
    const req = request({ socketPath, path: "/_ping", timeout: 3000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("error", () => resolve(false));
    req.on("timeout", () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}

const tools = new HostTools();
const kind = await checkPrerequisites({ k8s: "kind", tools });
const k3d = await checkPrerequisites({ k8s: "k3d", tools });
const names = (m: MissingPrerequisite[]) => m.map((x) => x.what);
/** Refusal can only be shown where something is missing (not on a machine with every tool). */
const refuseTest = kind.missing.length > 0 ? test : test.skip;

for (const cmd of ["containerlab", "kind", "kubectl"]) {
  test(`${cmd}: reported missing exactly when it is not on PATH (${onPath(cmd) ? "present" : "absent"} here)`, (t) => {
    t.is(names(kind.missing).includes(cmd), !onPath(cmd));
  });
}

test("scenarios add the host tools they run inside lab namespaces, each missing exactly when absent", async (t) => {
  const withScenarios = await checkPrerequisites({ k8s: "kind", tools, scenarios: true });
  for (const { cmd, pkg } of SCENARIO_COMMANDS) {
    const entry = withScenarios.missing.find((m) => m.what === cmd);
    t.is(entry !== undefined, !onPath(cmd), cmd);
    if (entry) t.is(entry.install, `apt-get install -y ${pkg}`);
  }
  t.deepEqual(
    withScenarios.missing.filter((m) => !SCENARIO_COMMANDS.some((c) => c.cmd === m.what)).map((m) => m.what),
    names(kind.missing),
    "the runtime's own list is unchanged",
  );
});

test("sch_netem is a prerequisite only when asked for (a topology with zerotier.paths), missing with the fix", async (t) => {
  const absent = await checkPrerequisites({
    k8s: "kind",
    tools,
    netem: () => netemVerdict({ code: 2, stderr: "Error: Specified qdisc kind is unknown." }),
  });
  const entry = absent.missing.find((m) => m.what === "sch_netem");
  t.regex(entry?.problem ?? "", /no netem qdisc .* zerotier\.paths are netem qdiscs on each router's zt0/);
  t.regex(entry?.install ?? "", /modprobe sch_netem.*or leave zerotier\.paths out of the topology/);
  t.deepEqual(
    absent.missing.filter((m) => m.what !== "sch_netem").map((m) => m.what),
    names(kind.missing),
  );
  const present = await checkPrerequisites({
    k8s: "kind",
    tools,
    netem: () => ({ state: "present", detail: "" }),
  });
  t.false(names(present.missing).includes("sch_netem"));
  t.false(names(kind.missing).includes("sch_netem"), "not asked: not checked");
  // clabUp asks for it exactly when the topology has internet paths (the seed's: 20 ms).
  t.true(routerBaselines(await loadLab()).byRouter.size > 0);
});

test("k3d replaces kind in the list when --k8s k3d", (t) => {
  t.false(names(k3d.missing).includes("kind"));
  t.is(names(k3d.missing).includes("k3d"), !onPath("k3d"));
});

test("helm or the cilium CLI: one of them is enough, helm preferred", (t) => {
  const helm = onPath("helm");
  const cilium = onPath("cilium");
  t.is(names(kind.missing).includes("helm or cilium CLI"), !helm && !cilium);
  t.is(kind.ciliumInstaller, helm ? "helm" : cilium ? "cilium" : null);
  t.is(kind.hasCiliumCli, cilium);
});

test("the Docker engine is reported missing exactly when /_ping does not answer", async (t) => {
  t.is(names(kind.missing).includes("Docker engine"), !(await engineAnswers()));
});

test("root is reported missing exactly when not running as uid 0", (t) => {
  t.is(names(kind.missing).includes("root"), process.getuid?.() !== 0);
});

test("every missing piece says how to install it, with the pinned versions", (t) => {
  const hints = installHints("amd64");
  t.is(
    hints.containerlab,
    `bash -c "$(curl -sL https://get.containerlab.dev)" -- -v ${CONTAINERLAB_VERSION}`,
  );
  t.regex(hints.kind ?? "", new RegExp(`go install sigs.k8s.io/kind@${KIND_VERSION}`));
  t.regex(hints.kind ?? "", new RegExp(`https://kind.sigs.k8s.io/dl/${KIND_VERSION}/kind-linux-amd64`));
  t.regex(hints.kubectl ?? "", new RegExp(`/release/${KUBECTL_VERSION}/bin/linux/amd64/kubectl`));
  for (const m of kind.missing) t.true(m.install.length > 0, m.what);
  const text = formatMissing(kind.missing, "kind");
  for (const m of kind.missing) t.true(text.includes(`  - ${m.what}: `), m.what);
  t.is(text.split("\n").filter((l) => l.startsWith("  - ")).length, kind.missing.length);
  t.regex(text.split("\n")[0] ?? "", /nothing was created$/);
});

refuseTest("clabUp runs no external command and writes no file when a prerequisite is missing", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "xs-clab-up-"));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  // Real PATH lookups; run() only records, and must never be reached.
  const calls: string[][] = [];
  const host = new HostTools();
  const recording: ExternalTools = {
    which: (cmd) => host.which(cmd),
    run: async (call) => {
      calls.push(call.argv);
      return { code: 0, stdout: "", stderr: "" };
    },
  };
  const lab = { ...(await loadLab()), name: "clup" };
  const err = await t.throwsAsync(
    clabUp(clabKind.open(lab), { tools: recording, paths: clabPaths(lab.name, root) }),
    {
      instanceOf: LabError,
    },
  );
  t.regex(err?.message ?? "", /cannot start: .* missing; nothing was created/);
  t.deepEqual(calls, []);
  t.deepEqual(readdirSync(root), []);
});

// The CLI as a child process: `up --runtime clab` must stop before creating anything.
refuseTest("`lab up --runtime clab` names every missing prerequisite, exits 1 and creates nothing", (t) => {
  const workdir = mkdtempSync(join(tmpdir(), "xs-clab-cli-"));
  t.teardown(() => rmSync(workdir, { recursive: true, force: true }));
  const name = `clt${process.pid % 10000}`;
  const before = netnsNamed(name);
  const r = spawnSync("npx", ["tsx", "scripts/lab.ts", "up", "--runtime", "clab", "--name", name], {
    cwd: REPO,
    env: { ...process.env, LAB_WORKDIR: workdir },
    encoding: "utf8",
    timeout: 120_000,
  });
  t.is(r.status, 1, r.stderr);
  t.regex(
    r.stderr,
    /error: the clab runtime \(kind\) cannot start: \d+ prerequisites? (is|are) missing; nothing was created/,
  );
  for (const m of kind.missing) t.true(r.stderr.includes(`  - ${m.what}: `), `names ${m.what}`);
  for (const m of kind.missing)
    t.true(r.stderr.includes(m.install.split("\n")[0] ?? ""), `install hint for ${m.what}`);
  t.deepEqual(readdirSync(workdir), [], "no work files");
  t.false(existsSync(join(workdir, `clab-${name}`)));
  t.deepEqual(netnsNamed(name), before, "no network namespaces");
});

refuseTest(
  "`lab run --runtime clab` checks once, before any scenario: exit 1, no report, nothing created",
  (t) => {
    const workdir = mkdtempSync(join(tmpdir(), "xs-clab-cli-"));
    t.teardown(() => rmSync(workdir, { recursive: true, force: true }));
    const out = join(workdir, "reports");
    const r = spawnSync(
      "npx",
      ["tsx", "scripts/lab.ts", "run", "--quick", "--runtime", "clab", "--name", "clrun", "--out", out],
      { cwd: REPO, env: { ...process.env, LAB_WORKDIR: workdir }, encoding: "utf8", timeout: 120_000 },
    );
    t.is(r.status, 1, r.stderr);
    t.is(r.stderr.match(/cannot start: /g)?.length, 1, "said once, not once per scenario");
    for (const m of kind.missing) t.true(r.stderr.includes(`  - ${m.what}: `), `names ${m.what}`);
    t.deepEqual(readdirSync(workdir), [], "no report, no work files");
  },
);

test("`lab run node-join --runtime clab`: skipped with why, in every report, exit 0, no tool needed", (t) => {
  const workdir = mkdtempSync(join(tmpdir(), "xs-clab-cli-"));
  t.teardown(() => rmSync(workdir, { recursive: true, force: true }));
  const out = join(workdir, "reports");
  const r = spawnSync(
    "npx",
    ["tsx", "scripts/lab.ts", "run", "node-join", "--runtime", "clab", "--name", "clskip", "--out", out],
    { cwd: REPO, env: { ...process.env, LAB_WORKDIR: workdir }, encoding: "utf8", timeout: 120_000 },
  );
  t.is(r.status, 0, r.stderr);
  t.regex(r.stderr, /=== node-join \[seed\]: skipped \(line \d+: node add: the clab runtime cannot join/);
  t.regex(r.stdout, /node-join\s+seed\s+SKIPPED/);
  const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8")) as {
    runtime: string;
    results: { status: string; skipReason: string }[];
  };
  t.is(report.runtime, "clab");
  t.is(report.results[0]?.status, "skipped");
  t.regex(readFileSync(join(out, "junit.xml"), "utf8"), /<skipped message="line \d+: node add: /);
});

test("`lab down --runtime clab` of a lab that never ran: nothing to remove, exit 0", (t) => {
  const workdir = mkdtempSync(join(tmpdir(), "xs-clab-cli-"));
  t.teardown(() => rmSync(workdir, { recursive: true, force: true }));
  const r = spawnSync("npx", ["tsx", "scripts/lab.ts", "down", "--runtime", "clab", "--name", "clnone"], {
    cwd: REPO,
    env: { ...process.env, LAB_WORKDIR: workdir },
    encoding: "utf8",
    timeout: 120_000,
  });
  t.is(r.status, 0, r.stderr);
  t.is(r.stdout.trim(), "lab clnone (clab) is not running: nothing to remove");
});

test("bad runtime choices are usage errors (exit 2)", (t) => {
  const cases: [string[], RegExp][] = [
    [
      ["up", "--runtime", "vagrant"],
      /runtime "vagrant" is not supported\nsupported runtimes are: netns, clab/,
    ],
    [["up", "--k8s", "kind"], /--k8s: only the clab runtime runs Kubernetes/],
    [["up", "--runtime", "clab", "--k8s", "minikube"], /--k8s "minikube" is not supported/],
    [["down", "--all", "--runtime", "clab"], /--all removes the leftovers of netns labs/],
    [["run", "cold-start", "--k8s", "kind"], /--k8s: only the clab runtime runs Kubernetes/],
  ];
  for (const [args, message] of cases) {
    const r = spawnSync("npx", ["tsx", "scripts/lab.ts", ...args], {
      cwd: REPO,
      encoding: "utf8",
      timeout: 120_000,
    });
    t.is(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
    t.regex(r.stderr, message);
  }
});

function netnsNamed(prefix: string): string[] {
  const r = spawnSync("ip", ["netns", "list"], { encoding: "utf8" });
  if (r.status !== 0) return [];
  return r.stdout
    .split("\n")
    .map((l) => l.split(" ")[0] ?? "")
    .filter((n) => n.startsWith(`${prefix}-`));
}
