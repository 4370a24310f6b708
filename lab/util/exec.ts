// Running commands, optionally inside a network namespace. Arguments are always passed as an
// array (never through a shell), so names from configs cannot inject anything.
import { spawn } from "node:child_process";
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

export function run(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
  const full = inNetns(opts.netns, argv);
  const [cmd, ...args] = full;
  if (!cmd) throw new Error("run: empty command");
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) return reject(opts.signal.reason);
    const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"], env: opts.env ?? process.env });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    let timedOut = false;
    let killer: NodeJS.Timeout | undefined;
    const stop = () => {
      if (opts.graceMs === undefined) return void child.kill("SIGKILL");
      child.kill("SIGTERM");
      killer ??= setTimeout(() => child.kill("SIGKILL"), opts.graceMs);
    };
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          stderr += `\n(killed after ${opts.timeoutMs} ms)`;
          stop();
        }, opts.timeoutMs)
      : undefined;
    opts.signal?.addEventListener("abort", stop, { once: true });
    const done = () => {
      clearTimeout(timer);
      clearTimeout(killer);
      opts.signal?.removeEventListener("abort", stop);
    };
    child.on("error", (err) => {
      done();
      reject(new CommandError(argv, null, stdout, `${stderr}${err.message}`, label(opts.netns)));
    });
    child.on("close", (code) => {
      done();
      if (opts.signal?.aborted) reject(opts.signal.reason);
      else if (code !== 0 && !opts.allowFailure) {
        reject(new CommandError(argv, code, stdout, stderr, label(opts.netns)));
      } else {
        resolve({ code, stdout, stderr, ...(timedOut ? { timedOut } : {}) });
      }
    });
    child.stdin.on("error", () => {});
    child.stdin.end(opts.input ?? "");
  });
}

/** Run and return stdout; throws CommandError on failure. */
export async function output(argv: string[], opts: RunOptions = {}): Promise<string> {
  return (await run(argv, opts)).stdout;
}
