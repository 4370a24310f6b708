// Running a long host command (debootstrap, tar) while passing its output on line by line, so a
// 30-second step shows progress instead of silence. util/exec.ts buffers until exit.
import { spawn } from "node:child_process";
import { CommandError } from "../util/errors.ts";

export interface LinesOptions {
  onLine?: (line: string) => void;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** Resolves on exit 0; otherwise throws CommandError carrying the last output lines. */
export function runLines(argv: string[], opts: LinesOptions = {}): Promise<void> {
  const [cmd, ...args] = argv;
  if (!cmd) throw new Error("runLines: empty command");
  const tail: string[] = [];
  const keep = (line: string) => {
    tail.push(line);
    if (tail.length > 30) tail.shift();
    opts.onLine?.(line);
  };
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], env: opts.env ?? process.env });
    for (const out of [child.stdout, child.stderr]) {
      let pending = "";
      out.setEncoding("utf8").on("data", (d: string) => {
        const lines = (pending + d).split("\n");
        pending = lines.pop() ?? "";
        for (const l of lines) keep(l);
      });
      out.on("end", () => {
        if (pending) keep(pending);
      });
    }
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          keep(`(killed after ${opts.timeoutMs} ms)`);
          child.kill("SIGTERM");
        }, opts.timeoutMs)
      : undefined;
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(new CommandError(argv, null, "", err.message));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new CommandError(argv, code, "", tail.join("\n")));
    });
  });
}
