// Every external command of the clab runtime (containerlab, kind, k3d, helm, cilium, kubectl)
// goes through ExternalTools: argv arrays (never a shell), a timeout on every call, stderr
// captured for the error message. The runtime takes the interface, so a test can record the
// commands the sequence would run on a machine that has the tools.
//
// Containers themselves (exec, logs, kill, pause) are driven through the Docker engine API
// (lab/docker/containers.ts), never through the docker CLI.

import { spawn } from "node:child_process";
import { findExecutable } from "../../docker/tools.ts";
import { CommandError } from "../../util/errors.ts";

export interface ToolCall {
  argv: string[];
  /** Kill the command after this long (default DEFAULT_TOOL_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Written to stdin. */
  input?: string;
  /** Added to the environment. */
  env?: Record<string, string>;
  /** Do not throw on a non-zero exit; the caller inspects `code`. */
  allowFailure?: boolean;
  /** Stops the command (SIGTERM, then SIGKILL) and rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface ToolOutput {
  /** null when the command was killed by a signal or could not start. */
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface ExternalTools {
  /** Full path of a command on PATH, or undefined. */
  which(cmd: string): string | undefined;
  run(call: ToolCall): Promise<ToolOutput>;
}

export const DEFAULT_TOOL_TIMEOUT_MS = 60_000;

/** A failed external command: the command, its exit code and the last lines of its stderr. */
export class ToolError extends CommandError {
  override name = "ToolError";
  constructor(
    command: string[],
    exitCode: number | null,
    stdout: string,
    stderr: string,
    readonly timedOutAfterMs?: number,
  ) {
    super(
      command,
      exitCode,
      stdout,
      timedOutAfterMs ? `${stderr}\n(timed out after ${timedOutAfterMs} ms)` : stderr,
    );
  }
}

/** SIGTERM first; what ignores it for this long gets SIGKILL. */
const KILL_GRACE_MS = 5000;

/** The tools of this machine. */
export class HostTools implements ExternalTools {
  which(cmd: string): string | undefined {
    return findExecutable(cmd);
  }

  run(call: ToolCall): Promise<ToolOutput> {
    const [cmd, ...args] = call.argv;
    if (!cmd) return Promise.reject(new Error("ExternalTools.run: empty command"));
    const timeoutMs = call.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      call.signal?.throwIfAborted();
      const child = spawn(cmd, args, {
        stdio: ["pipe", "pipe", "pipe"],
        env: call.env ? { ...process.env, ...call.env } : process.env,
      });
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
        child.kill("SIGTERM");
        killer ??= setTimeout(() => child.kill("SIGKILL"), KILL_GRACE_MS);
      };
      const timer = setTimeout(() => {
        timedOut = true;
        stop();
      }, timeoutMs);
      const onAbort = () => stop();
      call.signal?.addEventListener("abort", onAbort, { once: true });
      const done = () => {
        clearTimeout(timer);
        clearTimeout(killer);
        call.signal?.removeEventListener("abort", onAbort);
      };
      child.on("error", (err) => {
        done();
        reject(new ToolError(call.argv, null, stdout, `${stderr}${err.message}`));
      });
      child.on("close", (code) => {
        done();
        if (call.signal?.aborted) return reject(call.signal.reason);
        if (timedOut) return reject(new ToolError(call.argv, code, stdout, stderr, timeoutMs));
        if (code !== 0 && !call.allowFailure) return reject(new ToolError(call.argv, code, stdout, stderr));
        resolve({ code, stdout, stderr });
      });
      child.stdin.on("error", () => {});
      child.stdin.end(call.input ?? "");
    });
  }
}
