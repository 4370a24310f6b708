// Progress of long operations as a small discriminated union, so the terminal view and any
// machine-readable log come from the same events. Adding a kind without a formatter fails to
// compile (see formatProgress).

export type ProgressEvent =
  | { kind: "step"; step: string; detail?: string }
  | { kind: "done"; step: string; ms: number; detail?: string }
  | { kind: "info"; message: string }
  | { kind: "warn"; message: string };

export type ProgressSink = (event: ProgressEvent) => void;

export const silent: ProgressSink = () => {};

export function formatProgress(e: ProgressEvent, sinceStartMs: number): string {
  const t = `[${(sinceStartMs / 1000).toFixed(2).padStart(6)}s]`;
  switch (e.kind) {
    case "step":
      return `${t} ${e.step}...${e.detail ? ` ${e.detail}` : ""}`;
    case "done":
      return `${t} ${e.step}: done in ${e.ms < 1000 ? `${Math.round(e.ms)} ms` : `${(e.ms / 1000).toFixed(2)} s`}${e.detail ? ` (${e.detail})` : ""}`;
    case "info":
      return `${t} ${e.message}`;
    case "warn":
      return `${t} warning: ${e.message}`;
    default: {
      const never: never = e;
      return String(never);
    }
  }
}

/** Runs fn as a named step, reporting its start and duration. */
export async function step<T>(
  sink: ProgressSink,
  name: string,
  fn: () => Promise<T>,
  detail?: (r: T) => string,
): Promise<T> {
  sink({ kind: "step", step: name });
  const start = performance.now();
  const r = await fn();
  const d = detail?.(r);
  sink(
    d
      ? { kind: "done", step: name, ms: performance.now() - start, detail: d }
      : { kind: "done", step: name, ms: performance.now() - start },
  );
  return r;
}
