// Reaching a Docker engine: an existing one (DOCKER_HOST or the default socket), or a private
// dockerd started for tests and for machines without one. A private engine is confined to one
// directory and started with the flags that keep the host's network untouched (see docs/facts.md).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, open, readFile, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import Docker from "dockerode";
import { LabError, TimeoutError } from "../util/errors.ts";
import { waitFor } from "../util/wait.ts";
import { killLeftovers, unmountUnder } from "./leftovers.ts";
import { findExecutable } from "./tools.ts";

/**
 * Without these dockerd creates docker0, adds iptables chains, sets FORWARD to DROP and turns on
 * ip_forward. ip6tables defaults to on in Docker 27+.
 */
export const NETWORK_SAFETY_FLAGS = [
  "--bridge=none",
  "--iptables=false",
  "--ip6tables=false",
  "--ip-forward=false",
];

/** Unix socket paths are limited to 107 bytes; containerd's debug socket is the deepest one we create. */
const LONGEST_SOCKET = "exec/containerd/containerd-debug.sock";
const MAX_SOCKET_PATH = 107;

export interface EnginePaths {
  root: string;
  socketPath: string;
  dataRoot: string;
  execRoot: string;
  pidFile: string;
  configFile: string;
  logFile: string;
}

export function enginePaths(root: string): EnginePaths {
  return {
    root,
    socketPath: join(root, "docker.sock"),
    dataRoot: join(root, "data"),
    execRoot: join(root, "exec"),
    pidFile: join(root, "docker.pid"),
    configFile: join(root, "daemon.json"),
    logFile: join(root, "dockerd.log"),
  };
}

/** The full dockerd command line for a private engine in `root`. */
export function dockerdArgs(paths: EnginePaths, shutdownTimeoutS: number): string[] {
  return [
    "--host",
    `unix://${paths.socketPath}`,
    "--data-root",
    paths.dataRoot,
    "--exec-root",
    paths.execRoot,
    "--pidfile",
    paths.pidFile,
    // Our own config file, so a host /etc/docker/daemon.json cannot add networks or registries.
    "--config-file",
    paths.configFile,
    "--shutdown-timeout",
    String(shutdownTimeoutS),
    ...NETWORK_SAFETY_FLAGS,
  ];
}

/** Docker 20.10 otherwise writes /etc/docker/key.json; later versions accept and ignore the key. */
export function daemonConfig(paths: EnginePaths): string {
  return `${JSON.stringify({ "deprecated-key-path": join(paths.root, "key.json") }, null, 2)}\n`;
}

export function checkRoot(root: string): void {
  if (!isAbsolute(root) || resolve(root) === "/") {
    throw new LabError(`private engine root must be an absolute directory other than /, got "${root}"`);
  }
  const longest = join(root, LONGEST_SOCKET);
  if (Buffer.byteLength(longest) > MAX_SOCKET_PATH) {
    throw new LabError(
      `private engine root "${root}" is too long: ${longest} exceeds the ${MAX_SOCKET_PATH}-byte limit of unix socket paths`,
      "use a shorter directory, e.g. under /tmp",
    );
  }
}

export interface PrivateEngineOptions {
  /** Directory holding everything of this engine (created if missing). */
  root: string;
  /** How long to wait for /_ping to answer. */
  budgetMs?: number;
  /** dockerd executable. */
  dockerd?: string;
  /** Grace period dockerd gives containers when it shuts down. */
  shutdownTimeoutS?: number;
}

export interface PrivateEngine {
  root: string;
  socketPath: string;
  logFile: string;
  pid: number;
  docker: Docker;
  /** Stops dockerd, its containerd and anything they left behind; waits for exit. Idempotent. */
  stop(opts?: { budgetMs?: number }): Promise<void>;
}

/**
 * If this process dies without stopping the engine (a crashed or killed test run), the kernel
 * sends dockerd SIGTERM, so it still stops its containers and its containerd. util-linux's
 * setpriv sets the parent-death signal and then execs dockerd under the same pid.
 */
export function withParentDeathSignal(
  argv: string[],
  setpriv = findExecutable("setpriv"),
): [string, string[]] {
  const full = setpriv ? [setpriv, "--pdeathsig", "TERM", ...argv] : argv;
  return [full[0] ?? "", full.slice(1)];
}

/** The pid in a pidfile if that process is alive. */
async function pidFromFile(file: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(file, "utf8")).trim());
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

export async function logTail(file: string, lines = 15): Promise<string> {
  try {
    const text = await readFile(file, "utf8");
    // grpc connection chatter says nothing about why the engine failed.
    const useful = text.split("\n").filter((l) => l.trim() !== "" && !l.includes("module=grpc"));
    return useful.slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

export async function startPrivateEngine(opts: PrivateEngineOptions): Promise<PrivateEngine> {
  const root = resolve(opts.root);
  checkRoot(root);
  const paths = enginePaths(root);
  await mkdir(root, { recursive: true, mode: 0o700 });
  // A second dockerd on the same root would fail, and cleaning up after it would hit the first.
  const running = await pidFromFile(paths.pidFile);
  if (running !== undefined) {
    throw new LabError(
      `a Docker engine already runs in ${root} (pid ${running})`,
      `connect to it with connectEngine("${paths.socketPath}"), or stop it first`,
    );
  }
  await writeFile(paths.configFile, daemonConfig(paths));
  const dockerd = opts.dockerd?.includes("/") ? opts.dockerd : findExecutable(opts.dockerd ?? "dockerd");
  if (!dockerd || !existsSync(dockerd)) {
    throw new LabError(
      `${dockerd ?? "dockerd"} not found`,
      "install the Docker engine: apt-get install -y docker.io",
    );
  }
  const log = await open(paths.logFile, "a");
  const child = spawn(
    ...withParentDeathSignal([dockerd, ...dockerdArgs(paths, opts.shutdownTimeoutS ?? 5)]),
    {
      stdio: ["ignore", log.fd, log.fd],
    },
  );
  // Listen before any await: a failed spawn reports "error" on the next tick.
  const exited = new AbortController();
  const exit = new Promise<void>((done) => {
    child.once("exit", () => {
      exited.abort();
      done();
    });
    child.once("error", (err) => {
      exited.abort(err);
      done();
    });
  });
  await log.close();

  // Not holding the event loop: a test that forgets stop() still exits, and the exit hook below
  // asks dockerd to shut down (it then stops its containers and its containerd).
  child.unref();
  const onExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  };
  process.on("exit", onExit);

  let stopping: Promise<void> | undefined;
  const stop = (stopOpts: { budgetMs?: number } = {}): Promise<void> => {
    stopping ??= (async () => {
      process.off("exit", onExit);
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const budget = stopOpts.budgetMs ?? 30_000;
        // A cancelled timer: a pending one would keep the process alive for the whole budget.
        const timer = new AbortController();
        const inTime = await Promise.race([
          exit.then(() => true),
          sleep(budget, false, { signal: timer.signal }).catch(() => false),
        ]);
        timer.abort();
        if (!inTime) {
          child.kill("SIGKILL");
          await exit;
        }
      }
      await killLeftovers(root);
      await unmountUnder(root);
    })();
    return stopping;
  };

  const docker = new Docker({ socketPath: paths.socketPath });
  const budgetMs = opts.budgetMs ?? 60_000;
  try {
    await waitFor(
      async () => {
        await pingOnce(docker, 2000);
        return true;
      },
      {
        what: `private Docker engine in ${root} answering /_ping`,
        budgetMs,
        intervalMs: 100,
        signal: exited.signal,
      },
    );
  } catch (err) {
    await stop({ budgetMs: 10_000 });
    const ended = child.exitCode ?? child.signalCode;
    const why =
      err instanceof TimeoutError
        ? `did not answer within ${budgetMs / 1000} s`
        : ended !== null
          ? `exited with ${ended}`
          : `could not be started (${err instanceof Error ? err.message : String(err)})`;
    throw new LabError(
      `private Docker engine in ${root} ${why}; last lines of ${paths.logFile}:\n${await logTail(paths.logFile)}`,
    );
  }
  return { root, socketPath: paths.socketPath, logFile: paths.logFile, pid: child.pid ?? -1, docker, stop };
}

async function pingOnce(docker: Docker, timeoutMs: number): Promise<void> {
  // The typings omit ping's options; dockerode passes abortSignal through to the request.
  const ping = docker.ping.bind(docker) as unknown as (o: { abortSignal: AbortSignal }) => Promise<unknown>;
  await ping({ abortSignal: AbortSignal.timeout(timeoutMs) });
}

/** Where an engine is expected when nothing is said: DOCKER_HOST, Docker Desktop's socket, the system socket. */
export function defaultEngineAddress(env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  if (env.DOCKER_HOST) return env.DOCKER_HOST;
  const desktop = join(home, ".docker", "run", "docker.sock");
  return `unix://${existsSync(desktop) ? desktop : "/var/run/docker.sock"}`;
}

const addresses = new WeakMap<Docker, string>();

/** A client for an existing engine: the given socket, else DOCKER_HOST, else the default socket. */
export function connectEngine(socketPath?: string): Docker {
  const address = socketPath ? `unix://${socketPath}` : defaultEngineAddress();
  // Non-unix DOCKER_HOST values (tcp://, ssh://, TLS variables) are parsed by docker-modem itself.
  const docker = address.startsWith("unix://")
    ? new Docker({ socketPath: address.slice("unix://".length) })
    : new Docker();
  addresses.set(docker, address);
  return docker;
}

export function engineAddress(docker: Docker): string {
  const known = addresses.get(docker);
  if (known) return known;
  const modem = docker.modem as {
    socketPath?: unknown;
    host?: string;
    port?: string | number;
    protocol?: string;
  };
  if (typeof modem.socketPath === "string") return `unix://${modem.socketPath}`;
  return `${modem.protocol ?? "http"}://${modem.host ?? "localhost"}:${modem.port ?? ""}`;
}

/** Throws a LabError that says how to get an engine when none answers. */
export async function pingEngine(docker: Docker, timeoutMs = 5000): Promise<void> {
  const address = engineAddress(docker);
  try {
    await pingOnce(docker, timeoutMs);
  } catch (err) {
    const cause = err instanceof Error ? err.message : String(err);
    throw new LabError(
      `Docker engine not reachable at ${address}: start it with \`systemctl start docker\` (or \`dockerd ${NETWORK_SAFETY_FLAGS.join(" ")}\` on a machine whose network must stay untouched), or point DOCKER_HOST at a running engine (${cause})`,
      "no system engine is needed for a private one: startPrivateEngine({ root }) (build-router-image: --engine-root DIR)",
    );
  }
}
