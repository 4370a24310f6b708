// The polling loop shared by the event sources that read a LabHandle primitive at an interval:
// one read in flight at a time, a failing read recorded as a note once until it answers again,
// and a stop that waits for the read in flight.
import type { LabEvent } from "../types.ts";

export interface PollOptions<T> {
  read: () => Promise<T>;
  /** The events of one successful read. */
  eventsOf: (value: T) => LabEvent[];
  record: (e: LabEvent) => void;
  /** Names the source in the note of a failing read. */
  label: string;
  intervalMs: number;
  /** Read once more at stop (when the last read answered), for changes just before the end. */
  finalRead?: boolean;
}

/** Polls until the returned stop is called. */
export function pollEvents<T>(opts: PollOptions<T>): () => Promise<void> {
  let failing = false;
  let stopped = false;
  let pending: Promise<void> = Promise.resolve();
  const tick = () => {
    pending = opts
      .read()
      .then((value) => {
        for (const e of opts.eventsOf(value)) opts.record(e);
        failing = false;
      })
      .catch((err: Error) => {
        if (!failing) opts.record({ t: Date.now(), kind: "note", message: `${opts.label}: ${err.message}` });
        failing = true;
      });
  };
  tick();
  const timer = setInterval(() => {
    if (!stopped) tick();
  }, opts.intervalMs);
  return async () => {
    stopped = true;
    clearInterval(timer);
    await pending;
    if (opts.finalRead && !failing) {
      tick();
      await pending;
    }
  };
}
