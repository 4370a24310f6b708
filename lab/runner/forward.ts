// Running a command inside the runner container as if it ran here: its output streamed as it
// comes, its exit code returned, and Ctrl-C passed on. The engine cannot signal an exec, so the
// command is started under a shell that records its pid first; an interrupt then execs `kill`.
// A terminal on stdin gets a TTY (interactive `lab exec ... -- bash`), sized like ours.
import { randomBytes } from "node:crypto";
import type Docker from "dockerode";
import { engineMessage } from "../docker/errors.ts";
import { LabError } from "../util/errors.ts";

export interface ForwardOptions {
  docker: Docker;
  container: string;
  argv: string[];
  workdir: string;
  /** Attach our stdin (exec); with a terminal also a TTY. */
  stdin?: boolean;
  /** Aborted on Ctrl-C/SIGTERM: SIGINT goes to the command, which then cleans up and exits. */
  signal?: AbortSignal;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
}

/** The pid file of one forwarded command (in the container's /run). */
export function pidFile(token: string): string {
  return `/run/xsite-forward-${token}.pid`;
}

/** The command as started in the container: a shell that records its pid, then becomes it. */
export function wrapped(argv: string[], token: string): string[] {
  return ["sh", "-c", `echo $$ > ${pidFile(token)} && exec "$@"`, "sh", ...argv];
}

export async function forward(opts: ForwardOptions): Promise<number> {
  const out = opts.stdout ?? process.stdout;
  const err = opts.stderr ?? process.stderr;
  const input = opts.stdin ? process.stdin : undefined;
  const tty = Boolean(input?.isTTY && process.stdout.isTTY);
  const token = randomBytes(6).toString("hex");
  const container = opts.docker.getContainer(opts.container);
  const what = `running ${opts.argv.join(" ")} in ${opts.container}`;
  let exec: Docker.Exec;
  let stream: NodeJS.ReadWriteStream;
  try {
    exec = await container.exec({
      Cmd: wrapped(opts.argv, token),
      AttachStdin: Boolean(input),
      AttachStdout: true,
      AttachStderr: true,
      Tty: tty,
      WorkingDir: opts.workdir,
      // Colour where ours is a terminal, as if the command wrote to it.
      Env: process.stderr.isTTY ? ["FORCE_COLOR=1", `TERM=${process.env.TERM ?? "xterm"}`] : [],
    });
    stream = (await exec.start({ hijack: true, stdin: Boolean(input), Tty: tty })) as NodeJS.ReadWriteStream;
  } catch (e) {
    throw new LabError(`${what}: ${engineMessage(e)}`);
  }

  const ended = new Promise<void>((resolve) => {
    stream.once("end", resolve);
    stream.once("close", resolve);
    stream.once("error", () => resolve());
  });
  if (tty) stream.pipe(out, { end: false });
  else opts.docker.modem.demuxStream(stream, out, err);

  const restore: (() => void)[] = [];
  if (input) {
    if (tty && "setRawMode" in input) {
      const ttyIn = input as NodeJS.ReadStream;
      ttyIn.setRawMode(true);
      restore.push(() => ttyIn.setRawMode(false));
      const resize = () =>
        exec.resize({ h: process.stdout.rows ?? 24, w: process.stdout.columns ?? 80 }).catch(() => {});
      await resize();
      process.stdout.on("resize", resize);
      restore.push(() => process.stdout.off("resize", resize));
    }
    input.pipe(stream);
    restore.push(() => {
      input.unpipe(stream);
      input.pause();
    });
  }

  // In a TTY Ctrl-C reaches the command through the terminal; otherwise pass SIGINT on.
  const interrupt = () => void detached(container, ["sh", "-c", `kill -INT "$(cat ${pidFile(token)})"`]);
  if (!tty) opts.signal?.addEventListener("abort", interrupt, { once: true });
  try {
    await ended;
  } finally {
    opts.signal?.removeEventListener("abort", interrupt);
    for (const r of restore.reverse()) r();
    // The engine closed its side; ours would keep the process alive until the socket times out.
    (stream as unknown as { destroy(): void }).destroy();
  }
  // The stream can end a moment before the engine records the exit code.
  for (let i = 0; i < 100; i++) {
    const info = await exec.inspect();
    if (!info.Running && info.ExitCode !== null) {
      await detached(container, ["rm", "-f", pidFile(token)]);
      return info.ExitCode;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new LabError(`${what}: ended without an exit code (container stopped?)`);
}

/** Runs a short command in the container and waits for it, leaving no open connection behind. */
async function detached(container: Docker.Container, cmd: string[]): Promise<void> {
  try {
    const e = await container.exec({ Cmd: cmd });
    const s = (await e.start({ Detach: true })) as unknown as NodeJS.ReadableStream & { destroy(): void };
    s.resume();
    await new Promise<void>((done) => {
      s.once("end", done);
      s.once("close", done);
      s.once("error", () => done());
      setTimeout(done, 5000).unref();
    });
    s.destroy();
  } catch {
    // Best effort: the container may be gone.
  }
}
