// The Docker layer against a REAL engine: a private dockerd in a temp root (host network left
// alone), the router image built offline, and BIRD in a NetworkMode "none" container driven
// through exec, kill, start, pause, stop and logs. Needs root and docker.io (+ debootstrap
// unless the root filesystem is cached in .lab/cache). About 30 s with a warm cache.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import test from "ava";
import type { ContainerControl } from "../../../lab/docker/containers.ts";
import type { PrivateEngine } from "../../../lab/docker/engine.ts";
import { DockerError } from "../../../lab/docker/errors.ts";
import { mountPointsUnder } from "../../../lab/docker/leftovers.ts";
import { buildRouterImage, ROUTER_IMAGE } from "../../../lab/docker/router-image.ts";
import { findExecutable } from "../../../lab/docker/tools.ts";
import { LabError, TimeoutError } from "../../../lab/util/errors.ts";
import { run } from "../../../lab/util/exec.ts";
import { waitFor } from "../../../lab/util/wait.ts";
import { integrationTests } from "../../helpers/root.ts";
import {
  assertRouterEngineGone,
  cleanupRouterEngine,
  routerEngineSkipReason,
  startRouterEngine,
} from "../../helpers/router-engine.ts";

const LABEL = { "xsite.test": "docker-engine" };
const BIRD = "xs-bird";
const SOCKET = "/run/bird.ctl";
const BIRDC = ["birdc", "-s", SOCKET, "show", "protocols"];
const BIRD_CONF = `log stderr all;
router id 192.0.2.1;
protocol device { }
protocol static static1 {
  ipv4;
  route 198.51.100.0/24 blackhole;
}
`;

/** What a dockerd started without the safety flags would change on the host. */
async function hostNetwork(): Promise<string> {
  const forward = readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8").trim();
  const rules = findExecutable("iptables")
    ? (await run(["iptables", "-S"], { allowFailure: true })).stdout
    : "";
  return `ip_forward=${forward}\n${rules}`;
}

const reason = routerEngineSkipReason();
integrationTests("docker-engine", reason);
if (!reason) {
  const root = mkdtempSync("/tmp/xsd-");
  const confDir = join(root, "conf");
  let engine: PrivateEngine | undefined;
  let control: ContainerControl;
  let networkBefore = "";

  /** birdc answers and the static protocol is up. */
  const birdUp = async (): Promise<true | string> => {
    const r = await control.exec(BIRD, BIRDC, { timeoutMs: 5000 });
    return r.exitCode === 0 && /^static1\s+Static\s+master4\s+up\b/m.test(r.stdout)
      ? true
      : r.stdout + r.stderr;
  };

  test.before(async (t) => {
    networkBefore = await hostNetwork();
    ({ engine, containers: control } = await startRouterEngine(t, root));
    mkdirSync(confDir);
    writeFileSync(join(confDir, "bird.conf"), BIRD_CONF);
    await control.run({
      name: BIRD,
      image: ROUTER_IMAGE,
      cmd: ["bird", "-f", "-c", "/etc/bird/bird.conf", "-s", SOCKET],
      binds: [`${confDir}/bird.conf:/etc/bird/bird.conf:ro`],
      labels: LABEL,
    });
    await waitFor(birdUp, { what: "BIRD answering in its container", budgetMs: 15_000 });
  });

  test.after.always(() => cleanupRouterEngine({ engine, label: LABEL, root }));

  test.serial("the image carries the package versions the lab expects", async (t) => {
    const images = await engine?.docker.listImages({ filters: { reference: [ROUTER_IMAGE] } });
    t.is(images?.length, 1);
    const r = await control.exec(BIRD, ["bird", "--version"]);
    // BIRD prints its version on stderr.
    t.regex(r.stderr, /BIRD version 2\.0\.12/);
  });

  test.serial("exec: birdc shows the static protocol up, stdout and stderr apart", async (t) => {
    const r = await control.exec(BIRD, BIRDC);
    t.is(r.exitCode, 0);
    t.regex(r.stdout, /^BIRD 2\.0\.12 ready\.$/m);
    t.regex(r.stdout, /^device1\s+Device\s+---\s+up\b/m);
    t.regex(r.stdout, /^static1\s+Static\s+master4\s+up\b/m);
    t.is(r.stderr, "");
  });

  test.serial("exec: a failing command gives its exit code and its stderr", async (t) => {
    const r = await control.exec(BIRD, ["sh", "-c", "echo to-out; echo to-err >&2; exit 3"]);
    t.deepEqual(r, { exitCode: 3, stdout: "to-out\n", stderr: "to-err\n" });
    const ls = await control.exec(BIRD, ["ls", "/no/such/path"]);
    t.is(ls.exitCode, 2);
    t.is(ls.stdout, "");
    t.regex(ls.stderr, /No such file or directory/);
    // The engine reports a missing executable as exit 126 with its message on stdout.
    const missing = await control.exec(BIRD, ["no-such-binary"]);
    t.is(missing.exitCode, 126);
    t.regex(missing.stdout, /executable file not found/);
  });

  test.serial("exec: stdin input, and a timeout that does not hang", async (t) => {
    t.is(
      (await control.exec(BIRD, ["cat"], { input: "line one\nline two\n" })).stdout,
      "line one\nline two\n",
    );
    // An hour-long sleep: only the timeout can end it before ava's own timeout does.
    await t.throwsAsync(control.exec(BIRD, ["sleep", "3600"], { timeoutMs: 300 }), {
      instanceOf: TimeoutError,
    });
  });

  test.serial("the container has no network but loopback", async (t) => {
    const r = await control.exec(BIRD, ["ip", "-o", "link"]);
    t.deepEqual(
      r.stdout
        .trim()
        .split("\n")
        .map((l) => l.split(":")[1]?.trim()),
      ["lo"],
    );
  });

  test.serial("kill SIGKILL stops the container; start brings BIRD back; logs", async (t) => {
    const before = await control.inspect(BIRD);
    t.true(before.running);
    t.true(before.pid > 0);
    await control.kill(BIRD, "SIGKILL");
    await waitFor(async () => ((await control.inspect(BIRD)).running ? "still running" : true), {
      what: "container stopped after SIGKILL",
      budgetMs: 10_000,
    });
    const killed = await control.inspect(BIRD);
    t.is(killed.exitCode, 137);
    t.is(killed.pid, 0);
    await t.throwsAsync(control.exec(BIRD, BIRDC), { instanceOf: DockerError, message: /is not running/ });

    const restartAt = new Date();
    await control.start(BIRD);
    await waitFor(birdUp, { what: "BIRD answering after start", budgetMs: 15_000 });
    const after = await control.inspect(BIRD);
    t.true(after.running);
    t.true((after.startedAt?.getTime() ?? 0) > (before.startedAt?.getTime() ?? 0));

    const all = await control.logs(BIRD);
    t.is(all.match(/<INFO> Started/g)?.length, 2, all);
    const recent = await control.logs(BIRD, { since: restartAt });
    t.is(recent.match(/<INFO> Started/g)?.length, 1, recent);
    t.is((await control.logs(BIRD, { tail: 1 })).trim().split("\n").length, 1);
  });

  test.serial("pause makes exec fail with 409; unpause makes BIRD answer again", async (t) => {
    await control.pause(BIRD);
    const paused = await control.inspect(BIRD);
    t.true(paused.paused);
    t.is(paused.status, "paused");
    const err = await t.throwsAsync(control.exec(BIRD, BIRDC), { instanceOf: DockerError });
    t.is(err.statusCode, 409);
    t.regex(err.message, new RegExp(`^docker exec "${BIRDC.join(" ")}" in ${BIRD}: .*paused`));
    await control.unpause(BIRD);
    t.false((await control.inspect(BIRD)).paused);
    t.true(await birdUp());
  });

  test.serial("stop (twice) and restart", async (t) => {
    await control.stop(BIRD, 5);
    const stopped = await control.inspect(BIRD);
    t.false(stopped.running);
    t.is(stopped.exitCode, 0, "BIRD shuts down cleanly on SIGTERM");
    await t.notThrowsAsync(control.stop(BIRD, 5));
    t.regex(await control.logs(BIRD, { tail: 5 }), /Shutdown completed/);
    await control.restart(BIRD, 5);
    await waitFor(birdUp, { what: "BIRD answering after restart", budgetMs: 15_000 });
    t.pass();
  });

  test.serial("the image's own CMD runs BIRD on the default socket", async (t) => {
    const name = "xs-bird-default";
    await control.run({
      name,
      image: ROUTER_IMAGE,
      binds: [`${confDir}/bird.conf:/etc/bird/bird.conf:ro`],
      labels: LABEL,
    });
    await waitFor(
      async () => {
        const r = await control.exec(name, ["birdc", "show", "status"]);
        return r.exitCode === 0 && /Daemon is up and running/.test(r.stdout) ? true : r.stdout + r.stderr;
      },
      { what: "BIRD on /run/bird/bird.ctl", budgetMs: 15_000 },
    );
    await control.remove(name, { force: true });
    t.false(await control.exists(name));
    t.pass();
  });

  test.serial("engine errors name the container and the operation", async (t) => {
    const missing = await t.throwsAsync(control.inspect("xs-nope"), { instanceOf: DockerError });
    t.is(missing.statusCode, 404);
    t.regex(missing.message, /^docker inspect xs-nope: No such container/);
    const noImage = await t.throwsAsync(control.run({ name: "xs-noimage", image: "xsite/none:0" }), {
      instanceOf: DockerError,
    });
    t.regex(noImage.message, /^docker create xs-noimage: /);
    t.regex(noImage.hint ?? "", /build or load the image xsite\/none:0/);
    await t.throwsAsync(control.run({ name: BIRD, image: ROUTER_IMAGE, labels: LABEL }), {
      instanceOf: DockerError,
      message: /Conflict|already in use/,
    });
  });

  test.serial("the Dockerfile method without a registry fails with a clear LabError", async (t) => {
    if (!engine) return t.fail();
    const err = await t.throwsAsync(
      buildRouterImage({ docker: engine.docker, method: "dockerfile", tag: "xsite/bird:dockerfile-test" }),
      { instanceOf: LabError },
    );
    t.regex(err.message, /Dockerfile failed: /);
    t.regex(err.hint ?? "", /--method offline/);
  });

  test.serial("remove, then stop the engine: nothing left, host network unchanged", async (t) => {
    if (!engine) return t.fail();
    await control.remove(BIRD, { force: true });
    t.false(await control.exists(BIRD));
    await t.notThrowsAsync(control.remove(BIRD, { ignoreMissing: true }));
    await assertRouterEngineGone(t, engine, { label: LABEL, root });
    t.deepEqual(mountPointsUnder(readFileSync("/proc/self/mountinfo", "utf8"), root), []);
    t.false(existsSync("/sys/class/net/docker0"));
    t.is(await hostNetwork(), networkBefore);
  });
}
