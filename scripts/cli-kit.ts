// Shared pieces of the CLI: argument parsing with clear errors, exit codes, output helpers.
import { type ParseArgsConfig, parseArgs } from "node:util";
import { parseDuration as parseDurationText } from "../lab/util/duration.ts";
import { UsageError } from "../lab/util/errors.ts";

// Commands import it from here with the rest of the CLI kit.
export { UsageError };

export const EXIT = { ok: 0, failure: 1, invalid: 2, interrupted: 130 } as const;

export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[], ctx: CommandContext): Promise<number>;
}

export interface CommandContext {
  signal: AbortSignal;
  out: (text: string) => void;
  err: (text: string) => void;
}

type Options = NonNullable<ParseArgsConfig["options"]>;

export const COMMON_OPTIONS = {
  topology: { type: "string", short: "t" },
  name: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} satisfies Options;

/** util.parseArgs with errors turned into a UsageError that shows the command's usage. */
export function parse<O extends Options>(
  cmd: { name: string; usage: string },
  argv: string[],
  options: O,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (err) {
    const msg = (err as Error).message.replace(/^.*?: /, "");
    throw new UsageError(`${cmd.name}: ${msg}`, `usage: ${cmd.usage}`);
  }
}

/** "90s", "1500ms", "2m" or a bare number of seconds -> milliseconds (grammar: util/duration). */
export function parseDuration(flag: string, text: string): number {
  const d = parseDurationText(text.trim());
  if (!d.ok) throw new UsageError(`${flag}: "${text}" is not a duration`, "write it like 90s, 1500ms or 2m");
  const ms = d.ms ?? d.value * 1000;
  if (ms <= 0) throw new UsageError(`${flag}: must be positive`, "e.g. 90s");
  return ms;
}
