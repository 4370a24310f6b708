// The CLI's clab paths that need no running lab: status, exec and link say that the clab lab is
// not running and how to start it, and bad runtime names are usage errors. The paths that act on
// a running lab go through the scenario driver, tested in clab-scenario-driver (commands sent)
// and tests/integration/clab-driver (real router containers).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));

function lab(args: string[], workdir: string) {
  return spawnSync("npx", ["tsx", "scripts/lab.ts", ...args], {
    cwd: REPO,
    env: { ...process.env, LAB_WORKDIR: workdir },
    encoding: "utf8",
    timeout: 120_000,
  });
}

test("status, exec and link on a clab lab that is not running: say so, how to start it, create nothing", (t) => {
  const workdir = mkdtempSync(join(tmpdir(), "xs-clab-cli-"));
  t.teardown(() => rmSync(workdir, { recursive: true, force: true }));
  const status = lab(["status", "--runtime", "clab", "--name", "clno"], workdir);
  t.is(status.status, 1, status.stderr);
  t.is(status.stdout.trim(), "clab lab clno is not running (start it with: sudo make lab-up RUNTIME=clab)");
  const json = lab(["status", "--runtime", "clab", "--name", "clno", "--json"], workdir);
  t.deepEqual(JSON.parse(json.stdout), { lab: "clno", runtime: "clab", running: false });
  for (const args of [
    ["exec", "--runtime", "clab", "--name", "clno", "router-home", "--", "birdc", "show", "status"],
    ["link", "zt", "down", "--runtime", "clab", "--name", "clno"],
  ]) {
    const r = lab(args, workdir);
    t.is(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
    t.regex(r.stderr, /error: clab lab clno is not running\nstart it with: sudo make lab-up RUNTIME=clab/);
  }
  t.deepEqual(readdirSync(workdir), []);
});

test("exec --runtime clab knows the clab elements: LAN switches yes, the netns underlay no", (t) => {
  const workdir = mkdtempSync(join(tmpdir(), "xs-clab-cli-"));
  t.teardown(() => rmSync(workdir, { recursive: true, force: true }));
  const inet = lab(["exec", "--runtime", "clab", "--name", "clno", "inet", "--", "true"], workdir);
  t.is(inet.status, 2);
  t.regex(inet.stderr, /no router, node or pod named "inet"/);
  const lan = lab(["exec", "--runtime", "clab", "--name", "clno", "lan-home", "--", "true"], workdir);
  t.regex(
    lan.stderr,
    /clab lab clno is not running/,
    "a known element, refused only because the lab is down",
  );
});

test("bad runtime names are usage errors on status, exec and link", (t) => {
  const workdir = mkdtempSync(join(tmpdir(), "xs-clab-cli-"));
  t.teardown(() => rmSync(workdir, { recursive: true, force: true }));
  for (const args of [
    ["status", "--runtime", "vagrant"],
    ["exec", "--runtime", "vagrant", "router-home", "--", "true"],
    ["link", "zt", "show", "--runtime", "vagrant"],
  ]) {
    const r = lab(args, workdir);
    t.is(r.status, 2, args.join(" "));
    t.regex(r.stderr, /runtime "vagrant" is not supported/);
  }
});
