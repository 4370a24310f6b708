// Validation problems, collected rather than thrown one at a time, so a user fixes them all in
// one pass. Each renders as `file:line:col: path.to.field: message (hint)`.
import { LabError } from "../util/errors.ts";
import type { SourceRef } from "./source.ts";

export interface Diagnostic {
  where: SourceRef;
  /** Dotted path of the field inside its document; "" for the whole file. */
  path: string;
  message: string;
  hint?: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  const field = d.path ? ` ${d.path}:` : "";
  const hint = d.hint ? ` (${d.hint})` : "";
  return `${d.where.file}:${d.where.line}:${d.where.col}:${field} ${d.message}${hint}`;
}

/** Thrown at a phase boundary when any diagnostic was collected. Exit code 2. */
export class ValidationError extends LabError {
  override name = "ValidationError";
  constructor(readonly diagnostics: Diagnostic[]) {
    super(
      `${diagnostics.length} problem${diagnostics.length === 1 ? "" : "s"} found:\n${diagnostics.map(formatDiagnostic).join("\n")}`,
    );
  }
}

export class Diagnostics {
  readonly list: Diagnostic[] = [];

  add(where: SourceRef, path: string, message: string, hint?: string): void {
    this.list.push(hint ? { where, path, message, hint } : { where, path, message });
  }

  get empty(): boolean {
    return this.list.length === 0;
  }

  /** Stop here if anything was found: later passes assume earlier ones succeeded. */
  throwIfAny(): void {
    if (!this.empty) throw new ValidationError(sortDiagnostics(this.list));
  }
}

function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  return [...list].sort(
    (a, b) =>
      a.where.file.localeCompare(b.where.file) || a.where.line - b.where.line || a.where.col - b.where.col,
  );
}

/** "did you mean" for unknown keys and names. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestScore) {
      bestScore = d;
      best = c;
    }
  }
  return best !== undefined && bestScore <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] as number;
      row[j] = Math.min(
        (row[j] as number) + 1,
        (row[j - 1] as number) + 1,
        prev + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      prev = tmp;
    }
  }
  return row[b.length] as number;
}
