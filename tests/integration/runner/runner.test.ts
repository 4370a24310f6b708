// The default runtime in a runner container, against a REAL private Docker engine: the runner
// image built offline, then the CLI on this host drives a lab inside the container: up, status,
// exec (exit codes, stdin), a quick scenario whose report lands in the checkout, down; and
// kill -9 of the host's `up`, then `down`: nothing is left (no container, no process, no
// namespace) and this host's network namespace never changed. Needs root, docker.io, and
// debootstrap unless the root filesystem is cached in .lab/cache. About 2 minutes cold.
import {
  chownSync,
  createReadStream,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import test from "ava";
import type Docker from "dockerode";
import { ContainerControl } from "../../../lab/docker/containers.ts";
import { type PrivateEngine, startPrivateEngine } from "../../../lab/docker/engine.ts";
import { leftoverPids } from "../../../lab/docker/leftovers.ts";
import { rootfsPaths } from "../../../lab/docker/rootfs.ts";
import { DEFAULT_CACHE_DIR } from "../../../lab/docker/router-image.ts";
import { followProgress } from "../../../lab/docker/streams.ts";
import { LOCAL_GOBGP_BIN } from "../../../lab/gobgp/binary.ts";
import { formatSeconds } from "../../../lab/report/scenario/format.ts";
import { RUNNER_LABEL, RUNNER_WORKDIR, runnerName, runnerSpec } from "../../../lab/runner/container.ts";
import { forward } from "../../../lab/runner/forward.ts";
import {
  ensureRunnerImage,
  RUNNER_BASE_REPO,
  RUNNER_REPO,
  RUNNER_ROOTFS,
  runnerBaseTag,
} from "../../../lab/runner/image.ts";
import { handBackOutputs } from "../../../lab/runner/ownership.ts";
import { run } from "../../../lab/util/exec.ts";
import { waitFor } from "../../../lab/util/wait.ts";
import {
  diffSnapshots,
  type HostSnapshot,
  hostSnapshot,
  processesNaming,
  REPO_ROOT,
  runCli,
} from "../../helpers/host-snapshot.ts";
import { integrationTests, missing, unavailable } from "../../helpers/root.ts";

const LAB = "rnit";
const RUNNER = runnerName(LAB);
const OUT = `.lab/test-runner-${process.pid}`;
const OLD_RUNNER = `${RUNNER_REPO}:000000000000`;
const OLD_BASE = `${RUNNER_BASE_REPO}:000000000000`;
const IN_USE = `${RUNNER_REPO}:111111111111`;
const IN_USE_CONTAINER = "xsite-test-older-runner";

/** Older runner images, as an earlier checkout left them (tiny ones: one file each), and a
 * container of one of them. */
async function plantOlderImages(docker: Docker): Promise<void> {
  const dir = mkdtempSync("/tmp/xsite-old-image-");
  try {
    writeFileSync(join(dir, "marker"), "older runner image\n");
    await run(["tar", "-C", dir, "-cf", join(dir, "image.tar"), "marker"]);
    for (const tag of [OLD_RUNNER, OLD_BASE, IN_USE]) {
      const colon = tag.lastIndexOf(":");
      const stream = await docker.importImage(createReadStream(join(dir, "image.tar")), {
        repo: tag.slice(0, colon),
        tag: tag.slice(colon + 1),
      });
      await followProgress(stream);
    }
    await docker.createContainer({ name: IN_USE_CONTAINER, Image: IN_USE, Cmd: ["/marker"] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function skipReason(): string | undefined {
  const why = unavailable("to run dockerd", [["dockerd", "docker.io"]]);
  if (why) return why;
  if (!existsSync(join(LOCAL_GOBGP_BIN, "gobgpd"))) return "missing .lab/tools/gobgp (make deps fetches it)";
  return existsSync(rootfsPaths(DEFAULT_CACHE_DIR, RUNNER_ROOTFS).tarball)
    ? undefined
    : missing(["debootstrap"]);
}

const reason = skipReason();
const serial = integrationTests("runner", reason);
if (!reason) {
  const root = mkdtempSync("/tmp/xsr-");
  let engine: PrivateEngine | undefined;
  let control: ContainerControl;
  let before: HostSnapshot;
  const savedHost = process.env.DOCKER_HOST;

  const buildProgress: string[] = [];
  let runnerTag = "";

  const cli = async (...args: string[]) => {
    const r = runCli(args);
    const exit = await r.exited;
    return { code: exit.code, stdout: r.stdout(), stderr: r.stderr() };
  };
  /** This lab's namespaces on this host (other labs may come and go meanwhile). */
  const netns = async () =>
    (await run(["ip", "netns", "list"])).stdout.split("\n").filter((l) => l.startsWith(`${LAB}-`));
  /** Processes on this host (the container's are visible here) naming the lab's work dir. */
  const labProcesses = () => processesNaming(`${RUNNER_WORKDIR}/${LAB}`);

  test.before(async (t) => {
    before = await hostSnapshot();
    let started = performance.now();
    engine = await startPrivateEngine({ root });
    control = new ContainerControl(engine.docker);
    t.log(`engine up in ${formatSeconds(performance.now() - started)}`);
    await plantOlderImages(engine.docker);
    started = performance.now();
    const image = await ensureRunnerImage({
      docker: engine.docker,
      method: "offline",
      onProgress: (m) => buildProgress.push(m),
    });
    runnerTag = image.tag;
    t.log(`runner image ${image.tag} in ${formatSeconds(performance.now() - started)}`);
    process.env.DOCKER_HOST = `unix://${engine.socketPath}`;
  });

  test.after.always(async () => {
    if (savedHost === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = savedHost;
    rmSync(join(REPO_ROOT, OUT), { recursive: true, force: true });
    if (engine) {
      for (const c of await control.list({ [RUNNER_LABEL]: "1" }).catch(() => []))
        await control.remove(c.name, { force: true, ignoreMissing: true }).catch(() => {});
      await engine.stop();
    }
    rmSync(root, { recursive: true, force: true });
  });

  serial("building the runner image removes the older ones, but not one a container uses", async (t) => {
    if (!engine) return t.fail();
    t.true(
      buildProgress.some(
        (m) =>
          m.includes(`removed 2 older image(s)`) &&
          m.includes(OLD_RUNNER) &&
          m.includes(OLD_BASE) &&
          m.includes(`kept ${IN_USE} (a container uses it)`),
      ),
      buildProgress.join("\n"),
    );
    const tags = (await engine.docker.listImages()).flatMap((i) => i.RepoTags ?? []).sort();
    t.deepEqual(tags, [IN_USE, runnerBaseTag(), runnerTag].sort());
    await control.remove(IN_USE_CONTAINER, { force: true });
    await engine.docker.getImage(IN_USE).remove();
  });

  serial("files a command writes as root in a user's checkout go back to its owner", async (t) => {
    if (!engine) return t.fail();
    const checkout = mkdtempSync("/tmp/xsite-checkout-");
    chownSync(checkout, 4321, 4321);
    const name = runnerName(`${LAB}own`);
    try {
      await control.run({
        ...runnerSpec({ lab: `${LAB}own`, image: runnerTag, checkout, nodeModulesIsDir: false }),
        replace: true,
      });
      const write = await forward({
        docker: engine.docker,
        container: name,
        argv: ["sh", "-c", "mkdir -p .lab/reports/r && echo {} > .lab/reports/r/report.json"],
        workdir: checkout,
      });
      t.is(write, 0);
      t.is(statSync(join(checkout, ".lab/reports/r/report.json")).uid, 0, "written as root");
      const r = await handBackOutputs(engine.docker, name, checkout);
      t.is(r.exitCode, 0, r.output);
      for (const p of [".lab", ".lab/reports/r", ".lab/reports/r/report.json"]) {
        const st = statSync(join(checkout, p));
        t.deepEqual([st.uid, st.gid], [4321, 4321], p);
      }
    } finally {
      await control.remove(name, { force: true, ignoreMissing: true });
      rmSync(checkout, { recursive: true, force: true });
    }
  });

  serial("up --where container converges inside the runner container, not on this host", async (t) => {
    const r = await cli("up", "--where", "container", "--name", LAB);
    t.is(r.code, 0, r.stderr);
    t.regex(r.stderr, new RegExp(`where: runner container ${RUNNER} \\(--where container\\)`));
    t.regex(r.stdout, new RegExp(`lab ${LAB} converged in`));
    // The relay's offload needs a writable /sys in the namespaces, which the container's is not.
    t.notRegex(r.stderr, /warning: the routers receive the relay's datagrams/);
    t.true((await control.inspect(RUNNER)).running);
    t.deepEqual(await netns(), [], "no namespace on this host");
    t.deepEqual(diffSnapshots(before, await hostSnapshot()), []);
  });

  serial("status finds the lab in its runner without --where", async (t) => {
    const r = await cli("status", "--name", LAB, "--json");
    t.is(r.code, 0, r.stderr);
    t.regex(r.stderr, /the lab runs in its runner container/);
    const s = JSON.parse(r.stdout) as { running: boolean };
    t.true(s.running);
    t.regex(r.stdout, /"established"|Established/);
  });

  serial("exec: output and exit codes pass through", async (t) => {
    const birdc = await cli("exec", "--name", LAB, "router-home", "--", "birdc", "show", "protocols");
    t.is(birdc.code, 0, birdc.stderr);
    t.regex(birdc.stdout, /^router_mine\s+BGP\s+---\s+up\s+.*Established/m);
    const fail = await cli(
      "exec",
      "--name",
      LAB,
      "router-mine",
      "--",
      "sh",
      "-c",
      "echo o; echo e >&2; exit 7",
    );
    t.is(fail.code, 7);
    t.is(fail.stdout, "o\n");
    t.regex(fail.stderr, /^e$/m);
    // The lab's links exist in the runner, not here.
    const links = await cli("exec", "--name", LAB, "router-home", "--", "ip", "-o", "link", "show", "zt0");
    t.regex(links.stdout, /zt0/);
    t.false((await run(["ip", "-o", "link"])).stdout.includes("zt0"));
  });

  serial("a quick scenario runs inside; its report lands in this checkout", async (t) => {
    const r = await cli("run", "mtu", "--name", LAB, "--keep", "--out", OUT);
    t.is(r.code, 0, r.stderr);
    t.regex(r.stdout, /mtu\s+\S+\s+PASS/);
    const report = JSON.parse(readFileSync(join(REPO_ROOT, OUT, "report.json"), "utf8")) as {
      results: { status: string }[];
    };
    t.deepEqual(
      report.results.map((x) => x.status),
      ["pass"],
    );
    t.true((await control.inspect(RUNNER)).running, "--keep leaves the lab and its runner");
  });

  serial("down removes the runner container and everything in it", async (t) => {
    t.true(labProcesses().length > 0, "the lab's daemons run (seen from here) before down");
    const r = await cli("down", "--name", LAB);
    t.is(r.code, 0, r.stderr);
    t.regex(r.stdout, new RegExp(`runner container ${RUNNER} removed`));
    t.false(await control.exists(RUNNER));
    t.deepEqual(labProcesses(), []);
    const again = await cli("down", "--name", LAB, "--where", "container");
    t.is(again.code, 0);
    t.regex(again.stdout, /not running in a runner container: nothing to remove/);
  });

  serial("kill -9 of the host's up, then down: nothing left", async (t) => {
    const up = runCli(["up", "--where", "container", "--name", LAB]);
    // Killed once the lab is being built inside the runner.
    const at = await up.line(/create namespaces/);
    t.truthy(at, up.stderr());
    up.killGroup("SIGKILL");
    await up.exited;
    t.true(await control.exists(RUNNER), "the runner outlives the killed command");
    const down = await cli("down", "--name", LAB);
    t.is(down.code, 0, down.stderr);
    t.false(await control.exists(RUNNER));
    await waitFor(async () => (labProcesses().length === 0 ? true : JSON.stringify(labProcesses())), {
      what: "the lab's processes gone",
      budgetMs: 10_000,
    });
    t.deepEqual(await control.list({ [RUNNER_LABEL]: "1" }), []);
    t.deepEqual(await netns(), []);
    t.deepEqual(diffSnapshots(before, await hostSnapshot()), []);
  });

  serial("the engine stops with nothing of it left", async (t) => {
    if (!engine) return t.fail();
    await engine.stop();
    t.deepEqual(await leftoverPids(root), []);
  });
}
