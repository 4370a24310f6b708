// Error classes shared across the lab. Each carries the context a user needs to act.

/** A user-facing problem with the lab's input or environment: printed without a stack trace. */
export class LabError extends Error {
  override name = "LabError";
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** Bad input on a command line (a flag, a value, an argument): the message names what was wrong,
 * the hint how to write it. Commands exit 2 on it, not 1, so scripts can tell it from a failure. */
export class UsageError extends LabError {
  override name = "UsageError";
}

/** A command that exited non-zero. Keeps the command, exit code and the stderr lines that matter. */
export class CommandError extends Error {
  override name = "CommandError";
  constructor(
    readonly command: string[],
    readonly exitCode: number | null,
    readonly stdout: string,
    readonly stderr: string,
    readonly netns?: string,
  ) {
    const where = netns ? ` (in netns ${netns})` : "";
    const detail = stderr.trim() || stdout.trim();
    super(
      `${command.join(" ")}${where} exited with ${exitCode ?? "a signal"}${detail ? `: ${lastLines(detail, 5)}` : ""}`,
    );
  }
}

/** A wait whose budget ran out. `diagnosis` says what was still wrong at the end. */
export class TimeoutError extends Error {
  override name = "TimeoutError";
  constructor(
    readonly what: string,
    readonly budgetMs: number,
    readonly diagnosis: string,
  ) {
    super(
      `${what}: not reached within ${(budgetMs / 1000).toFixed(1)} s${diagnosis ? `\n${diagnosis}` : ""}`,
    );
  }
}

function lastLines(text: string, n: number): string {
  const lines = text.split("\n");
  return lines.slice(-n).join("\n");
}
