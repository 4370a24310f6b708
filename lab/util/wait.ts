// Polling with a budget. A wait that runs out throws TimeoutError carrying a diagnosis of what
// was still wrong; a wait that succeeds late says so, so budgets can be tuned from evidence.
import { setTimeout as sleep } from "node:timers/promises";
import { TimeoutError } from "./errors.ts";

const GIVE_UP = Symbol("giveUp");

/**
 * Marks an error thrown by a check as final: the wait stops at once with it instead of polling
 * on (e.g. the daemon being waited for has exited, so it will never answer).
 */
export function giveUp<E extends Error>(err: E): E {
  (err as E & { [GIVE_UP]?: true })[GIVE_UP] = true;
  return err;
}

export interface WaitOptions {
  /** What is awaited, for messages ("BGP sessions Established"). */
  what: string;
  budgetMs: number;
  intervalMs?: number;
  signal?: AbortSignal;
}

/** The check returns `true` when done, or a string saying what is still missing. */
export type Check = () => Promise<true | string>;

export interface WaitResult {
  elapsedMs: number;
  attempts: number;
}

export async function waitFor(check: Check, opts: WaitOptions): Promise<WaitResult> {
  if (!(opts.budgetMs > 0)) throw new RangeError(`waitFor(${opts.what}): budgetMs must be > 0`);
  const interval = opts.intervalMs ?? 200;
  const start = performance.now();
  let attempts = 0;
  let last = "";
  for (;;) {
    opts.signal?.throwIfAborted();
    attempts++;
    try {
      const r = await check();
      if (r === true) return { elapsedMs: performance.now() - start, attempts };
      last = r;
    } catch (err) {
      if ((err as { [GIVE_UP]?: true } | undefined)?.[GIVE_UP]) throw err;
      last = err instanceof Error ? err.message : String(err);
    }
    const elapsed = performance.now() - start;
    if (elapsed >= opts.budgetMs) throw new TimeoutError(opts.what, opts.budgetMs, last);
    await sleep(Math.min(interval, opts.budgetMs - elapsed), undefined, { signal: opts.signal });
  }
}
