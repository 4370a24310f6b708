// Holds packets until their departure time and sends them in departure order. One queue and one
// timer per direction: separate timers per packet could fire out of order on equal deadlines,
// which would reorder packets the shaper took care to keep in order.

/** Timers fire on the event loop's cached clock, which can run a little behind `now()`. */
const EARLY_TOLERANCE_MS = 0.5;

interface Entry<T> {
  at: number;
  item: T;
}

export class DepartureQueue<T> {
  readonly #send: (item: T) => void;
  readonly #now: () => number;
  /** Sorted by `at`; entries before #head are already sent (compacted now and then). */
  #entries: Entry<T>[] = [];
  #head = 0;
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Number.POSITIVE_INFINITY;

  constructor(send: (item: T) => void, now: () => number) {
    this.#send = send;
    this.#now = now;
  }

  get size(): number {
    return this.#entries.length - this.#head;
  }

  /** Sends at once when due and nothing is waiting ahead of it, else queues it. */
  push(at: number, item: T): void {
    if (this.size === 0 && at <= this.#now()) {
      this.#send(item);
      return;
    }
    this.#insert({ at, item });
    if (at < this.#timerAt) this.#schedule(at);
  }

  /** Forgets every waiting packet and the timer (on stop). */
  clear(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    this.#entries = [];
    this.#head = 0;
  }

  #insert(entry: Entry<T>): void {
    const last = this.#entries[this.#entries.length - 1];
    if (this.size === 0 || (last && last.at <= entry.at)) {
      this.#entries.push(entry); // the usual case: departures are monotonic
      return;
    }
    // Binary search for the first later entry; equal times keep arrival order.
    let lo = this.#head;
    let hi = this.#entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.#entries[mid] as Entry<T>).at <= entry.at) lo = mid + 1;
      else hi = mid;
    }
    this.#entries.splice(lo, 0, entry);
  }

  #schedule(at: number): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => this.#flush(), Math.max(0, Math.ceil(at - this.#now())));
  }

  #flush(): void {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    const due = this.#now() + EARLY_TOLERANCE_MS;
    while (this.size > 0) {
      const entry = this.#entries[this.#head] as Entry<T>;
      if (entry.at > due) break;
      this.#head++;
      this.#send(entry.item);
    }
    if (this.size === 0) {
      this.#entries = [];
      this.#head = 0;
      return;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
    this.#schedule((this.#entries[this.#head] as Entry<T>).at);
  }
}
