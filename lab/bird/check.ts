// Checking a BIRD config with BIRD itself (`bird -p -c FILE` parses and exits). BIRD 2.0.12 prints
// one line to stderr and exits 1 on the first error:
//   bird: FILE:LINE:COL MESSAGE          (FILE is the included file when the error is in one)
//   bird: Unable to open configuration file FILE: REASON   (no position)
import { CommandError, LabError } from "../util/errors.ts";
import { run } from "../util/exec.ts";

export type BirdCheckResult =
  | { ok: true }
  | {
      ok: false;
      /** The file BIRD names: the included file when the error is inside an include. */
      file: string;
      /** 1-based line, absent when BIRD gives no position (config file cannot be opened). */
      line?: number;
      /** Column as BIRD counts it (a tab is one column; at end of file BIRD reports 0). */
      col?: number;
      message: string;
      /** Everything bird printed. */
      raw: string;
    };

const POSITIONED = /^bird: (.+?):(\d+):(\d+) (.*)$/;
const UNOPENABLE = /^bird: (Unable to open configuration file (.*?): .*)$/;

export interface BirdCheckOptions {
  /** The bird binary; default "bird" from PATH. */
  bird?: string;
  timeoutMs?: number;
}

export async function checkBirdConfig(file: string, opts: BirdCheckOptions = {}): Promise<BirdCheckResult> {
  const bird = opts.bird ?? "bird";
  let r: Awaited<ReturnType<typeof run>>;
  try {
    r = await run([bird, "-p", "-c", file], { allowFailure: true, timeoutMs: opts.timeoutMs ?? 10_000 });
  } catch (err) {
    if (err instanceof CommandError && err.exitCode === null && /ENOENT/.test(err.stderr)) {
      throw new LabError(`${bird} not found: cannot check ${file}`, "install BIRD 2: apt-get install bird2");
    }
    throw err;
  }
  if (r.code === 0) return { ok: true };
  return parseBirdCheckOutput(`${r.stderr}${r.stdout}`, file);
}

/** Turns what `bird -p` printed on failure into a position; `file` is the fallback file name. */
export function parseBirdCheckOutput(raw: string, file: string): BirdCheckResult & { ok: false } {
  for (const line of raw.split("\n")) {
    const p = POSITIONED.exec(line);
    if (p?.[1] && p[4] !== undefined) {
      return { ok: false, file: p[1], line: Number(p[2]), col: Number(p[3]), message: p[4], raw };
    }
    const u = UNOPENABLE.exec(line);
    if (u?.[1]) return { ok: false, file: u[2] ?? file, message: u[1], raw };
  }
  const message = raw.trim().replace(/^bird: /, "") || "bird -p failed without a message";
  return { ok: false, file, message, raw };
}
