// Running commands, optionally inside a network namespace: a thin layer over zx's `$`.
//
// zx runs what it is given through a shell, quoting interpolated values. The lab's arguments are
// names from configs (namespaces, interfaces, files), so here zx's `spawn` hook starts the argv
// itself, with no shell: nothing a name contains is ever interpreted. zx does the rest: output
// capture, stdin, env, the abort signal, nothrow, killing the process tree, echoing nothing.
// What zx does not offer stays here: a deadline that records `timedOut` (zx's `timeout` sends one
// signal and tells nobody), SIGTERM with a grace period before SIGKILL, CommandError with the
// namespace, and rejection with the abort signal's reason.
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { $, type ProcessPromise } from "zx/core";
import { CommandError } from "./errors.ts";

export interface RunOptions {
  /** Run inside this network namespace: its name (`ip netns exec`), or a command prefix that
   * enters one (e.g. nsenter into a container's namespace). */
  netns?: Where;
  /** Data written to stdin. */
  input?: string;
  /** Kill the command after this long. */
  timeoutMs?: number;
  /** On timeout or abort, SIGTERM first and SIGKILL only after this long (default: SIGKILL at once). */
  graceMs?: number;
  /** Stops the command (as on timeout) and rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Do not throw on a non-zero exit; the caller inspects `code`. */
  allowFailure?: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The command was stopped because it outlived timeoutMs. */
  timedOut?: boolean;
}

/** Where a command runs: a named network namespace, or a prefix that enters one. */
export type Where = string | readonly string[];

export function inNetns(netns: Where | undefined, argv: string[]): string[] {
  if (netns === undefined || netns === "") return argv;
  return typeof netns === "string" ? ["ip", "netns", "exec", netns, ...argv] : [...netns, ...argv];
}

/** A short name of a place for messages. */
export function whereLabel(netns: Where): string {
  return typeof netns === "string" ? netns : netns.join(" ");
}

function label(netns: Where | undefined): string | undefined {
  return netns === undefined ? undefined : whereLabel(netns);
}

/** zx's `spawn` hook: start `argv` as it is, ignoring the shell command zx built from it. */
function spawnArgv([file, ...args]: string[]): typeof spawn {
  return ((_shellCommand: string, _args: unknown, options: object) => {
    const child = spawn(file as string, args, { ...options, shell: false });
    // A program may exit without reading its input; the write then fails with EPIPE.
    child.stdin?.on("error", () => {});
    return child;
  }) as typeof spawn;
}

/** zx's kill signals the command and its descendants (found with `ps`); without ps, the command. */
function signalTree(proc: ProcessPromise, sig: NodeJS.Signals): void {
  if (proc.stage !== "running" || proc.pid === undefined) return;
  proc.kill(sig).catch(() => proc.child?.kill(sig));
}

/** Output chunks as zx collects them; decoded whole, so a character split across chunks survives. */
type Chunks = { stdout: Buffer[]; stderr: Buffer[]; stdall: Buffer[] };
const text = (chunks: Buffer[]): string => Buffer.concat(chunks).toString("utf8");

export function run(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
  const full = inNetns(opts.netns, argv);
  if (!full[0]) throw new Error("run: empty command");
  if (opts.signal?.aborted) return Promise.reject(opts.signal.reason);
  const chunks: Chunks = { stdout: [], stderr: [], stdall: [] };
  // zx aborts through its own controller, so a caller's signal shared by many concurrent
  // commands gets one listener per command, as before (node warns above ten).
  const ac = new AbortController();
  const proc = $({
    spawn: spawnArgv(full),
    store: chunks,
    ac,
    nothrow: true,
    verbose: false,
    quiet: true,
    cwd: process.cwd(),
    env: opts.env ?? process.env,
    // Without input stdin is /dev/null, so a program reading it sees end of file at once.
    stdio: [opts.input ? "pipe" : "ignore", "pipe", "pipe"],
    ...(opts.input ? { input: opts.input } : {}),
  })`${full}`;

  let timedOut = false;
  let killer: NodeJS.Timeout | undefined;
  const escalate = () => {
    if (opts.graceMs === undefined) signalTree(proc, "SIGKILL");
    else killer ??= setTimeout(() => signalTree(proc, "SIGKILL"), opts.graceMs);
  };
  const deadline = opts.timeoutMs
    ? setTimeout(() => {
        timedOut = true;
        if (opts.graceMs !== undefined) signalTree(proc, "SIGTERM");
        escalate();
      }, opts.timeoutMs)
    : undefined;
  // zx's abort sends the command SIGTERM (and stops waiting for its pipes once it exits).
  const onAbort = () => {
    ac.abort(opts.signal?.reason);
    escalate();
  };
  opts.signal?.addEventListener("abort", onAbort, { once: true });

  return proc.then((out) => {
    clearTimeout(deadline);
    clearTimeout(killer);
    opts.signal?.removeEventListener("abort", onAbort);
    if (opts.signal?.aborted) throw opts.signal.reason;
    const stdout = text(chunks.stdout);
    const stderr = text(chunks.stderr) + (timedOut ? `\n(killed after ${opts.timeoutMs} ms)` : "");
    if (out.cause) {
      throw new CommandError(argv, null, stdout, `${stderr}${out.cause.message}`, label(opts.netns));
    }
    if (out.exitCode !== 0 && !opts.allowFailure) {
      throw new CommandError(argv, out.exitCode, stdout, stderr, label(opts.netns));
    }
    return { code: out.exitCode, stdout, stderr, ...(timedOut ? { timedOut } : {}) };
  });
}

/** Run and return stdout; throws CommandError on failure. */
export async function output(argv: string[], opts: RunOptions = {}): Promise<string> {
  return (await run(argv, opts)).stdout;
}

/**
 * A command that owns the terminal (`lab exec`): its exit code, 128 + the signal's number when a
 * signal ended it, 127 (with why) when it could not start. An abort sends it SIGINT, as Ctrl-C
 * in its own terminal would, and waits for it to end.
 */
export async function interactive(
  argv: string[],
  opts: { netns?: Where; signal?: AbortSignal } = {},
): Promise<{ code: number; error?: string }> {
  const full = inNetns(opts.netns, argv);
  if (!full[0]) throw new Error("interactive: empty command");
  const proc = $({
    spawn: spawnArgv(full),
    nothrow: true,
    verbose: false,
    quiet: true,
    cwd: process.cwd(),
    env: process.env,
    stdio: "inherit",
  })`${full}`;
  const onAbort = () => proc.child?.kill("SIGINT");
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const out = await proc;
    if (out.cause) return { code: 127, error: out.cause.message };
    if (out.exitCode !== null) return { code: out.exitCode };
    return { code: 128 + (out.signal ? (constants.signals[out.signal] ?? 2) : 2) };
  } finally {
    opts.signal?.removeEventListener("abort", onAbort);
  }
}
