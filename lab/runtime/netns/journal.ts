// The record of what `up` created, written BEFORE each creation (an intent log) and flushed
// synchronously, so `down` can remove everything even after `up` was killed halfway.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";

export type JournalEntry =
  | { kind: "netns"; name: string }
  | { kind: "process"; name: string; ns: string; pid: number; startTime: string; argv: string[] }
  | { kind: "started"; at: string; pid: number; startTime?: string }
  | { kind: "converged"; at: string };

export class Journal {
  constructor(readonly file: string) {}

  /** Starts a new journal with `entry`; false when the file already exists (another `up` made it). */
  create(entry: JournalEntry): boolean {
    try {
      writeFileSync(this.file, `${JSON.stringify(entry)}\n`, { flag: "wx" });
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw err;
    }
  }

  record(entry: JournalEntry): void {
    appendFileSync(this.file, `${JSON.stringify(entry)}\n`, { flag: "a" });
  }

  entries(): JournalEntry[] {
    if (!existsSync(this.file)) return [];
    const out: JournalEntry[] = [];
    for (const line of readFileSync(this.file, "utf8").split("\n")) {
      if (!line.trim()) continue;
      try {
        out.push(JSON.parse(line) as JournalEntry);
      } catch {
        // A line cut short by a crash mid-write: the sweep in `down` covers what it named.
      }
    }
    return out;
  }
}
