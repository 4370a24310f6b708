// Private-engine command line and failure reporting, with fake dockerd scripts: no real engine.

import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import {
  checkRoot,
  connectEngine,
  daemonConfig,
  defaultEngineAddress,
  dockerdArgs,
  engineAddress,
  enginePaths,
  NETWORK_SAFETY_FLAGS,
  pingEngine,
  startPrivateEngine,
  withParentDeathSignal,
} from "../../../lab/docker/engine.ts";
import { findExecutable } from "../../../lab/docker/tools.ts";
import { LabError } from "../../../lab/util/errors.ts";
import { waitFor } from "../../../lab/util/wait.ts";

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "xs-eng-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A stand-in dockerd: a shell script with the given body. */
function fakeDockerd(dir: string, body: string): string {
  const path = join(dir, "fake-dockerd");
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

test("dockerd runs confined to its root with the network-safety flags", (t) => {
  const args = dockerdArgs(enginePaths("/tmp/e1"), 5);
  for (const flag of ["--bridge=none", "--iptables=false", "--ip-forward=false", "--ip6tables=false"]) {
    t.true(args.includes(flag), flag);
  }
  t.deepEqual(
    NETWORK_SAFETY_FLAGS.filter((f) => !args.includes(f)),
    [],
  );
  const value = (flag: string) => args[args.indexOf(flag) + 1];
  t.is(value("--host"), "unix:///tmp/e1/docker.sock");
  t.is(value("--data-root"), "/tmp/e1/data");
  t.is(value("--exec-root"), "/tmp/e1/exec");
  t.is(value("--pidfile"), "/tmp/e1/docker.pid");
  t.is(value("--config-file"), "/tmp/e1/daemon.json");
  t.is(value("--shutdown-timeout"), "5");
});

test("the daemon config keeps the trust key out of /etc/docker", (t) => {
  t.deepEqual(JSON.parse(daemonConfig(enginePaths("/tmp/e1"))), {
    "deprecated-key-path": "/tmp/e1/key.json",
  });
});

test("checkRoot rejects relative, / and over-long roots", (t) => {
  t.throws(() => checkRoot("rel/dir"), { instanceOf: LabError });
  t.throws(() => checkRoot("/"), { instanceOf: LabError });
  const long = `/tmp/${"x".repeat(80)}`;
  t.throws(() => checkRoot(long), { instanceOf: LabError, message: /107-byte limit/ });
  t.notThrows(() => checkRoot("/tmp/xsite-engine"));
});

test("default engine address: DOCKER_HOST, then the system socket", (t) => {
  t.is(defaultEngineAddress({ DOCKER_HOST: "tcp://10.0.0.1:2375" }, "/nonexistent"), "tcp://10.0.0.1:2375");
  t.is(defaultEngineAddress({}, "/nonexistent"), "unix:///var/run/docker.sock");
});

test("connectEngine to a socket remembers where it points", (t) => {
  t.is(engineAddress(connectEngine("/tmp/some/docker.sock")), "unix:///tmp/some/docker.sock");
});

test("pingEngine on a dead socket says where and how to start one", async (t) => {
  const dir = tempDir(t);
  const err = await t.throwsAsync(pingEngine(connectEngine(join(dir, "docker.sock")), 1000), {
    instanceOf: LabError,
  });
  t.regex(
    err.message,
    new RegExp(`^Docker engine not reachable at unix://${dir}/docker.sock: start it with`),
  );
  t.regex(err.message, /--bridge=none --iptables=false/);
});

test("a dockerd that exits reports its exit code and the last log lines", async (t) => {
  const dir = tempDir(t);
  const dockerd = fakeDockerd(
    dir,
    'echo "level=info msg=\\"starting\\""\necho "failed to start daemon: boom" >&2\nexit 1',
  );
  const err = await t.throwsAsync(
    startPrivateEngine({ root: join(dir, "root"), dockerd, budgetMs: 10_000 }),
    {
      instanceOf: LabError,
    },
  );
  t.regex(err.message, /exited with 1/);
  t.regex(err.message, /failed to start daemon: boom/);
  t.regex(err.message, /dockerd\.log/);
});

test("a dockerd that never answers is stopped when the budget runs out", async (t) => {
  const dir = tempDir(t);
  const marker = join(dir, "terminated");
  const dockerd = fakeDockerd(dir, `trap 'touch ${marker}; exit 0' TERM\nwhile :; do sleep 0.1; done`);
  const err = await t.throwsAsync(startPrivateEngine({ root: join(dir, "root"), dockerd, budgetMs: 500 }), {
    instanceOf: LabError,
  });
  t.regex(err.message, /did not answer within 0\.5 s/);
  t.true(existsSync(marker), "the fake dockerd got SIGTERM");
});

test("a missing dockerd says which package to install", async (t) => {
  const dir = tempDir(t);
  const err = await t.throwsAsync(
    startPrivateEngine({ root: join(dir, "root"), dockerd: join(dir, "no-such-dockerd"), budgetMs: 2000 }),
    { instanceOf: LabError },
  );
  t.regex(err.message, /not found/);
  t.regex(err.hint ?? "", /apt-get install -y docker\.io/);
});

test("the parent-death signal wraps dockerd when setpriv exists", (t) => {
  t.deepEqual(withParentDeathSignal(["/usr/sbin/dockerd", "--x"], "/usr/bin/setpriv"), [
    "/usr/bin/setpriv",
    ["--pdeathsig", "TERM", "/usr/sbin/dockerd", "--x"],
  ]);
  t.deepEqual(withParentDeathSignal(["/usr/sbin/dockerd", "--x"], ""), ["/usr/sbin/dockerd", ["--x"]]);
});

test("a SIGKILLed parent takes its dockerd down (no engine outlives a crashed test)", async (t) => {
  if (!findExecutable("setpriv")) return t.pass("setpriv (util-linux) missing: nothing to check");
  const dir = tempDir(t);
  const started = join(dir, "started");
  const terminated = join(dir, "terminated");
  // Writes its pid, then waits; never answers /_ping, so the parent below stays in its wait.
  const dockerd = fakeDockerd(
    dir,
    `echo $$ > ${started}\ntrap 'touch ${terminated}; exit 0' TERM\nwhile :; do sleep 0.1; done`,
  );
  const script = join(dir, "parent.mts");
  const engineModule = new URL("../../../lab/docker/engine.ts", import.meta.url).href;
  writeFileSync(
    script,
    `import { startPrivateEngine } from ${JSON.stringify(engineModule)};\n` +
      `await startPrivateEngine({ root: ${JSON.stringify(join(dir, "root"))}, dockerd: ${JSON.stringify(dockerd)}, budgetMs: 60000 });\n`,
  );
  const parent = spawn(process.execPath, ["--import", "tsx", script], { stdio: "ignore" });
  t.teardown(() => parent.kill("SIGKILL"));
  await waitFor(async () => existsSync(started) || "fake dockerd not started", {
    what: "fake dockerd",
    budgetMs: 20_000,
  });
  parent.kill("SIGKILL");
  await waitFor(async () => existsSync(terminated) || "fake dockerd still running", {
    what: "fake dockerd terminated after its parent died",
    budgetMs: 5000,
  });
  t.pass();
});

test("a root whose pidfile names a live process is refused", async (t) => {
  const dir = tempDir(t);
  const root = join(dir, "root");
  const dockerd = fakeDockerd(dir, "exit 1");
  mkdirSync(root);
  writeFileSync(join(root, "docker.pid"), String(process.pid));
  const err = await t.throwsAsync(startPrivateEngine({ root, dockerd, budgetMs: 2000 }), {
    instanceOf: LabError,
  });
  t.regex(err.message, /already runs/);
});
