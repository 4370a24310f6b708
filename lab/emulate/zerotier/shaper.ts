// Per-direction decisions for the relay: for each packet, drop it (and why) or when to send it.
// Pure: the clock and the dice are injected, so tests drive it with a fake clock and a seed.
import { applyImpairment, type Impairment, NO_IMPAIRMENT } from "./impairment.ts";
import type { Random } from "./prng.ts";

export const DROP_REASONS = ["partition", "loss", "burst", "queue"] as const;
export type DropReason = (typeof DROP_REASONS)[number];

export type ShapeDecision = { kind: "drop"; reason: DropReason } | { kind: "send"; departures: number[] };

export interface DirectionCounters {
  /** Every packet offered: received = forwarded + sum(dropped). */
  received: number;
  forwarded: number;
  /** Extra copies sent on top of `forwarded`. */
  duplicated: number;
  /** Bytes of the forwarded packets (duplicates not counted). */
  bytes: number;
  dropped: Record<DropReason, number>;
}

export interface ShaperOptions {
  random: Random;
  /** Milliseconds, monotonic. */
  now: () => number;
  impairment?: Impairment;
  /** Bottleneck buffer when rate-limited, in ms of transmission (a router's ~100 ms buffer). */
  queueLimitMs?: number;
  /** How many packets the caller holds waiting for their departure, and the most it may hold,
   * so a long delay on a fast flow cannot eat the relay's memory. */
  queued?: () => number;
  maxQueued?: number;
}

export function emptyCounters(): DirectionCounters {
  return {
    received: 0,
    forwarded: 0,
    duplicated: 0,
    bytes: 0,
    dropped: { partition: 0, loss: 0, burst: 0, queue: 0 },
  };
}

export class DirectionShaper {
  readonly #random: Random;
  readonly #now: () => number;
  readonly #queueLimitMs: number;
  readonly #queued: () => number;
  readonly #maxQueued: number;
  #imp: Impairment;
  #counters = emptyCounters();
  /** Gilbert-Elliott state. */
  #bad = false;
  /** When the rate-limited bottleneck finishes sending what it already holds. */
  #linkFreeAt = Number.NEGATIVE_INFINITY;
  #lastDeparture = Number.NEGATIVE_INFINITY;

  constructor(opts: ShaperOptions) {
    this.#random = opts.random;
    this.#now = opts.now;
    this.#imp = applyImpairment(NO_IMPAIRMENT, opts.impairment ?? {});
    this.#queueLimitMs = opts.queueLimitMs ?? 100;
    this.#queued = opts.queued ?? (() => 0);
    this.#maxQueued = opts.maxQueued ?? 100_000;
  }

  get impairment(): Impairment {
    return applyImpairment(this.#imp, {});
  }

  /** Applies a partial impairment; throws InvalidImpairmentError and changes nothing if invalid. */
  set(patch: unknown): Impairment {
    this.#imp = applyImpairment(this.#imp, patch);
    if (!this.#imp.burst) this.#bad = false;
    return this.impairment;
  }

  get counters(): DirectionCounters {
    return { ...this.#counters, dropped: { ...this.#counters.dropped } };
  }

  resetCounters(): void {
    this.#counters = emptyCounters();
  }

  /** The fate of one packet of `bytes` bytes arriving at `t`. */
  decide(bytes: number, t: number = this.#now()): ShapeDecision {
    const imp = this.#imp;
    this.#counters.received++;
    if (imp.down) return this.#drop("partition");
    if (this.#queued() >= this.#maxQueued) return this.#drop("queue");

    // The bottleneck sits at the sender, so a packet lost further on has still used it.
    let ready = t;
    if (imp.rateKbit !== null) {
      const txMs = (bytes * 8) / imp.rateKbit; // kbit/s is bit/ms
      const backlog = Math.max(0, this.#linkFreeAt - t);
      // An empty queue always takes one packet, even one longer than the whole buffer.
      if (backlog > 0 && backlog + txMs > this.#queueLimitMs) return this.#drop("queue");
      ready = Math.max(t, this.#linkFreeAt) + txMs;
      this.#linkFreeAt = ready;
    }

    if (imp.lossPct > 0 && this.#chance(imp.lossPct)) return this.#drop("loss");
    if (imp.burst) {
      const b = imp.burst;
      this.#bad = this.#bad ? !this.#chance(b.pLeaveBad) : this.#chance(b.pEnterBad);
      if (this.#chance(this.#bad ? b.lossInBadPct : b.lossInGoodPct)) return this.#drop("burst");
    }

    const departures = [this.#depart(ready)];
    if (imp.duplicatePct > 0 && this.#chance(imp.duplicatePct)) {
      departures.push(this.#depart(ready));
      this.#counters.duplicated++;
    }
    this.#counters.forwarded++;
    this.#counters.bytes += bytes;
    return { kind: "send", departures };
  }

  #depart(ready: number): number {
    const imp = this.#imp;
    const jitter = imp.jitterMs > 0 ? (2 * this.#random() - 1) * imp.jitterMs : 0;
    let at = ready + Math.max(0, imp.delayMs + jitter);
    // A real path keeps order; without this, jitter alone would reorder packets.
    if (!imp.reorder) at = Math.max(at, this.#lastDeparture);
    this.#lastDeparture = Math.max(this.#lastDeparture, at);
    return at;
  }

  #chance(pct: number): boolean {
    return pct > 0 && this.#random() * 100 < pct;
  }

  #drop(reason: DropReason): ShapeDecision {
    this.#counters.dropped[reason]++;
    return { kind: "drop", reason };
  }
}
