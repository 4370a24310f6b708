// Every external command of the clab runtime (containerlab, kind, k3d, helm, cilium, kubectl)
// goes through ExternalTools: argv arrays (never a shell), a timeout on every call, stderr
// captured for the error message. The runtime takes the interface, so a test can record the
// commands the sequence would run on a machine that has the tools.
//
// Containers themselves (exec, logs, kill, pause) are driven through the Docker engine API
// (lab/docker/containers.ts), never through the docker CLI.

import { findExecutable } from "../../docker/tools.ts";
import { CommandError } from "../../util/errors.ts";
import { type RunResult, run } from "../../util/exec.ts";

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

  /** util/exec's run, with the grace period and the ToolError the clab runtime reports. */
  async run(call: ToolCall): Promise<ToolOutput> {
    if (call.argv.length === 0) throw new Error("ExternalTools.run: empty command");
    const timeoutMs = call.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS;
    let r: RunResult;
    try {
      r = await run(call.argv, {
        timeoutMs,
        graceMs: KILL_GRACE_MS,
        allowFailure: true,
        env: call.env ? { ...process.env, ...call.env } : process.env,
        ...(call.input !== undefined ? { input: call.input } : {}),
        ...(call.signal ? { signal: call.signal } : {}),
      });
    } catch (err) {
      // Could not start (no such command): the same error type as a failed one.
      if (err instanceof CommandError) throw new ToolError(call.argv, null, err.stdout, err.stderr);
      throw err;
    }
    const stderr = r.timedOut ? r.stderr.replace(/\n\(killed after \d+ ms\)$/, "") : r.stderr;
    if (r.timedOut) throw new ToolError(call.argv, r.code, r.stdout, stderr, timeoutMs);
    if (r.code !== 0 && !call.allowFailure) throw new ToolError(call.argv, r.code, r.stdout, stderr);
    return { code: r.code, stdout: r.stdout, stderr };
  }
}
