// Controlling lab containers through the engine API (never the docker CLI, whose output format
// and presence vary). Every engine error becomes a DockerError naming the container and the
// operation; "already started/stopped" answers (HTTP 304) count as success.
import { posix } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type Docker from "dockerode";
import { LabError, TimeoutError } from "../util/errors.ts";
import { createOptions, type RunSpec } from "./container-spec.ts";
import { DockerError, engineMessage, statusOf, toDockerError } from "./errors.ts";
import { bufferStream, collectDemuxed } from "./streams.ts";
import { tarOf, tarPathProblem } from "./tar.ts";

export interface ExecOptions {
  /** Stop waiting after this long (the engine cannot kill an exec; the command may keep running). */
  timeoutMs?: number;
  /** Written to the command's stdin, which is then closed. */
  input?: string;
  user?: string;
  env?: Record<string, string>;
  workdir?: string;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface ContainerState {
  status: string;
  running: boolean;
  paused: boolean;
  /** Host pid of the container's init process; 0 when not running. */
  pid: number;
  exitCode: number;
  startedAt: Date | undefined;
  finishedAt: Date | undefined;
  oomKilled: boolean;
}

export interface LogsOptions {
  /** Only lines after this time (a Date, or Unix seconds). */
  since?: Date | number;
  /** Only the last N lines. */
  tail?: number;
  timestamps?: boolean;
}

export interface ContainerSummary {
  id: string;
  name: string;
  state: string;
  labels: Record<string, string>;
}

/** Docker's zero time for "never". */
function dockerDate(text: string): Date | undefined {
  if (!text || text.startsWith("0001-01-01")) return undefined;
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

export function toState(info: Docker.ContainerInspectInfo): ContainerState {
  const s = info.State;
  return {
    status: s.Status,
    running: s.Running,
    paused: s.Paused,
    pid: s.Pid,
    exitCode: s.ExitCode,
    startedAt: dockerDate(s.StartedAt),
    finishedAt: dockerDate(s.FinishedAt),
    oomKilled: s.OOMKilled,
  };
}

/** The engine takes "seconds.nanoseconds"; a plain float would lose the fraction's scale. */
export function sinceParam(since: Date | number): string {
  const ms = since instanceof Date ? since.getTime() : since * 1000;
  if (!Number.isFinite(ms) || ms < 0) throw new LabError(`logs: invalid "since" ${String(since)}`);
  const whole = Math.floor(ms / 1000);
  const nanos = Math.round((ms - whole * 1000) * 1e6);
  return `${whole}.${String(nanos).padStart(9, "0")}`;
}

export class ContainerControl {
  constructor(readonly docker: Docker) {}

  /** Runs an API call, turning engine errors into DockerErrors; 304 (nothing to do) is success. */
  private async call<T>(operation: string, name: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (err) {
      if (statusOf(err) === 304) return undefined;
      throw toDockerError(operation, name, err);
    }
  }

  private container(name: string): Docker.Container {
    return this.docker.getContainer(name);
  }

  async exec(name: string, argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    if (argv.length === 0) throw new LabError(`exec in ${name}: empty command`);
    const what = `exec ${JSON.stringify(argv.join(" "))} in`;
    const withInput = opts.input !== undefined;
    const exec = await this.call(what, name, () =>
      this.container(name).exec({
        Cmd: argv,
        AttachStdin: withInput,
        AttachStdout: true,
        AttachStderr: true,
        Tty: false,
        ...(opts.user ? { User: opts.user } : {}),
        ...(opts.workdir ? { WorkingDir: opts.workdir } : {}),
        Env: Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`),
      }),
    );
    if (!exec) throw new DockerError(what, name, undefined, "the engine returned no exec instance");
    const stream = await this.call(what, name, () => exec.start({ hijack: true, stdin: withInput }));
    if (!stream) throw new DockerError(what, name, undefined, "the engine returned no stream");
    const output = collectDemuxed(this.docker, stream);
    if (opts.input !== undefined) (stream as NodeJS.WritableStream).end(opts.input);

    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<"timeout">((resolve) => {
      if (opts.timeoutMs) timer = setTimeout(() => resolve("timeout"), opts.timeoutMs);
    });
    const result = await Promise.race([output, timedOut])
      .catch((err: unknown) => {
        throw toDockerError(what, name, err);
      })
      .finally(() => clearTimeout(timer));
    if (result === "timeout") {
      (stream as unknown as { destroy(): void }).destroy();
      throw new TimeoutError(
        `docker ${what} ${name}`,
        opts.timeoutMs ?? 0,
        "the command may still be running",
      );
    }

    // The stream can end a moment before the engine records the exit code.
    for (let i = 0; i < 50; i++) {
      const info = await this.call(what, name, () => exec.inspect());
      if (info && !info.Running && info.ExitCode !== null) {
        return { exitCode: info.ExitCode, stdout: result.stdout, stderr: result.stderr };
      }
      await sleep(20);
    }
    throw new DockerError(
      what,
      name,
      undefined,
      "the command ended without an exit code (container stopped?)",
    );
  }

  /**
   * Writes one file (owned by root) into a running container through the engine's archive
   * endpoint, creating its parent directory first by exec. An existing file is replaced.
   */
  async putFile(name: string, path: string, content: string | Buffer, mode = 0o644): Promise<void> {
    const what = `put ${path} into`;
    const dir = posix.dirname(path);
    const base = posix.basename(path);
    if (!path.startsWith("/") || path.endsWith("/") || posix.normalize(path) !== path || tarPathProblem(base))
      throw new DockerError(what, name, undefined, "the path must be absolute and normalised, naming a file");
    const archive = tarOf([{ path: base, content, mode }]);
    const mkdir = await this.exec(name, ["mkdir", "-p", dir], { timeoutMs: 10_000 });
    if (mkdir.exitCode !== 0)
      throw new DockerError(
        what,
        name,
        undefined,
        `mkdir -p ${dir} failed (exit ${mkdir.exitCode}): ${(mkdir.stderr || mkdir.stdout).trim()}`,
      );
    await this.call(what, name, () => this.container(name).putArchive(archive, { path: dir }));
  }

  async kill(name: string, signal: NodeJS.Signals | number = "SIGKILL"): Promise<void> {
    await this.call(`kill (${signal})`, name, () => this.container(name).kill({ signal }));
  }

  /** SIGTERM, then SIGKILL after timeoutS. Stopping a stopped container succeeds. */
  async stop(name: string, timeoutS = 10): Promise<void> {
    await this.call("stop", name, () => this.container(name).stop({ t: timeoutS }));
  }

  /** Starting a running container succeeds. */
  async start(name: string): Promise<void> {
    await this.call("start", name, () => this.container(name).start());
  }

  async restart(name: string, timeoutS = 10): Promise<void> {
    await this.call("restart", name, () => this.container(name).restart({ t: timeoutS }));
  }

  async pause(name: string): Promise<void> {
    await this.call("pause", name, () => this.container(name).pause());
  }

  async unpause(name: string): Promise<void> {
    await this.call("unpause", name, () => this.container(name).unpause());
  }

  async inspect(name: string): Promise<ContainerState> {
    const info = await this.call("inspect", name, () => this.container(name).inspect());
    if (!info) throw new DockerError("inspect", name, undefined, "the engine returned nothing");
    return toState(info);
  }

  /** Whether a container of that name exists (in any state). */
  async exists(name: string): Promise<boolean> {
    try {
      await this.container(name).inspect();
      return true;
    } catch (err) {
      if (statusOf(err) === 404) return false;
      throw toDockerError("inspect", name, err);
    }
  }

  /** stdout and stderr of the container's main process, interleaved as they were written. */
  async logs(name: string, opts: LogsOptions = {}): Promise<string> {
    const raw = await this.call("logs", name, () =>
      this.container(name).logs({
        stdout: true,
        stderr: true,
        follow: false,
        timestamps: opts.timestamps ?? false,
        ...(opts.since !== undefined ? { since: sinceParam(opts.since) } : {}),
        ...(opts.tail !== undefined ? { tail: opts.tail } : {}),
      }),
    );
    if (raw === undefined) return "";
    return (await collectDemuxed(this.docker, bufferStream(raw))).combined;
  }

  /** Removes a container and its anonymous volumes; `ignoreMissing` makes cleanup idempotent. */
  async remove(name: string, opts: { force?: boolean; ignoreMissing?: boolean } = {}): Promise<void> {
    try {
      await this.container(name).remove({ force: opts.force ?? false, v: true });
    } catch (err) {
      if (opts.ignoreMissing && statusOf(err) === 404) return;
      throw toDockerError("remove", name, err);
    }
  }

  /** Creates and starts a container (network mode "none"); `replace` removes one of the same name first. */
  async run(spec: RunSpec & { replace?: boolean }): Promise<string> {
    const options = createOptions(spec);
    if (spec.replace) await this.remove(spec.name, { force: true, ignoreMissing: true });
    let container: Docker.Container;
    try {
      container = await this.docker.createContainer(options);
    } catch (err) {
      const status = statusOf(err);
      const hint = status === 404 ? `build or load the image ${spec.image} first` : undefined;
      throw new DockerError("create", spec.name, status, engineMessage(err), hint);
    }
    await this.call("start", spec.name, () => container.start());
    return container.id;
  }

  /** Containers (running or not) carrying all the given labels. */
  async list(labels: Record<string, string> = {}): Promise<ContainerSummary[]> {
    const label = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
    const found = await this.call("list", "containers", () =>
      this.docker.listContainers({ all: true, filters: { label } }),
    );
    return (found ?? []).map((c) => ({
      id: c.Id,
      name: (c.Names[0] ?? "").replace(/^\//, ""),
      state: c.State,
      labels: c.Labels,
    }));
  }
}
