// Which path a ZeroTier peer sends to another peer over: the direct UDP path, or relayed through a
// root. Pure: the caller says what happened (a packet received over the direct path, the direct
// path working or not in a direction) and when; this says where the next packet goes.
//
// The rules are ZeroTierOne 1.14.1's without a bond (docs/facts.md has the reading):
// - Switch::_trySend sends over Peer::getAppropriatePath(now, false): a path that received a packet
//   within ZT_PEER_PATH_EXPIRATION (243 s). Only when none is left does it relay via a root, so a
//   dead direct path keeps being used for 243 s after its last received packet.
// - Peer::doPingAndKeepalive sends a HELLO over each remembered path every ZT_PATH_HEARTBEAT_PERIOD
//   (14 s); the peer's OK coming back is a packet received on the path. An expired path is
//   forgotten there.
// - While relayed, a peer pushes its direct addresses every ZT_DIRECT_PATH_PUSH_INTERVAL (15 s)
//   (Peer::received with hops > 0); when the direct path works again both ends learn it from the
//   HELLO exchange that follows, and send direct from then on.

export const ZT_PEER_PATH_EXPIRATION_MS = 4 * 60_000 + 3000;
export const ZT_PATH_HEARTBEAT_PERIOD_MS = 14_000;
export const ZT_DIRECT_PATH_PUSH_INTERVAL_MS = 15_000;

export type PathKind = "direct" | "relay";

export interface PeerPathTimers {
  expirationMs: number;
  heartbeatMs: number;
  pushMs: number;
}

export const ZEROTIER_PATH_TIMERS: Readonly<PeerPathTimers> = Object.freeze({
  expirationMs: ZT_PEER_PATH_EXPIRATION_MS,
  heartbeatMs: ZT_PATH_HEARTBEAT_PERIOD_MS,
  pushMs: ZT_DIRECT_PATH_PUSH_INTERVAL_MS,
});

/** One peer's view of its path to another: `from` sends to `to`. */
interface View {
  /** The direct path is remembered (not expired). */
  remembered: boolean;
  /** Last packet `from` received from `to` over the direct path. */
  lastReceive: number;
  lastHeartbeat: number;
  lastPush: number;
}

export interface PeerPathStatus {
  /** "from->to": the path `from` sends to `to` over. */
  direction: string;
  via: PathKind;
  /** Milliseconds since `from` last received from `to` over the direct path; null if never. */
  lastReceiveAgoMs: number | null;
  /** Whether the direct path carries packets this way now (a fault can stop it). */
  directWorks: boolean;
}

/** Called when a direction starts sending over the other path, with the model time of the switch
 * (an expiry found late is still reported at the time it was due). */
export type PathSwitch = (direction: string, via: PathKind, t: number) => void;

export class PeerPaths {
  readonly #timers: PeerPathTimers;
  readonly #onSwitch: PathSwitch;
  readonly #views = new Map<string, View>();
  /** Directions ("a->b") in which the direct path carries nothing. */
  readonly #dead = new Set<string>();

  /** All peers start with a working direct path, just heard from at `now`. */
  constructor(
    peers: readonly string[],
    now: number,
    timers: PeerPathTimers = ZEROTIER_PATH_TIMERS,
    onSwitch: PathSwitch = () => {},
  ) {
    this.#timers = timers;
    this.#onSwitch = onSwitch;
    for (const a of peers)
      for (const b of peers)
        if (a !== b)
          this.#views.set(`${a}->${b}`, {
            remembered: true,
            lastReceive: now,
            lastHeartbeat: now,
            lastPush: now,
          });
  }

  /** A fault at `now`: the direct path stops (or starts again) carrying packets in one direction.
   * What was due before `now` happens first, under the old state. */
  setDirect(direction: string, works: boolean, now: number): void {
    this.#view(direction);
    this.advance(now);
    if (works) this.#dead.delete(direction);
    else this.#dead.add(direction);
  }

  directWorks(direction: string): boolean {
    return !this.#dead.has(direction);
  }

  /** The path the next packet from `from` to `to` takes at `now` (advancing the timers first). */
  via(from: string, to: string, now: number): PathKind {
    this.advance(now);
    return this.#view(`${from}->${to}`).remembered ? "direct" : "relay";
  }

  /** A packet from `from` reached `to` over the direct path at `now`. */
  receivedDirect(from: string, to: string, now: number): void {
    const v = this.#view(`${to}->${from}`);
    if (!v.remembered) {
      // Learned again: heartbeats start from here.
      v.remembered = true;
      v.lastHeartbeat = now;
      this.#onSwitch(`${to}->${from}`, "direct", now);
    }
    v.lastReceive = Math.max(v.lastReceive, now);
  }

  /** Runs the heartbeats, pushes and expirations due up to `now`, in time order. */
  advance(now: number): void {
    const { expirationMs, heartbeatMs, pushMs } = this.#timers;
    for (const [direction, v] of this.#views) {
      const [from, to] = direction.split("->") as [string, string];
      const back = `${to}->${from}`;
      for (;;) {
        // The earliest thing due on this view: expiry, a heartbeat (remembered) or a push (relayed).
        const expiry = v.remembered ? v.lastReceive + expirationMs : Number.POSITIVE_INFINITY;
        const attempt = v.remembered ? v.lastHeartbeat + heartbeatMs : v.lastPush + pushMs;
        const t = Math.min(expiry, attempt);
        if (t > now) break;
        if (t === expiry && expiry <= attempt) {
          v.remembered = false;
          v.lastPush = t;
          this.#onSwitch(direction, "relay", t);
          continue;
        }
        if (v.remembered) v.lastHeartbeat = t;
        else v.lastPush = t;
        // HELLO out and OK back: heard only if the direct path works both ways.
        if (this.directWorks(direction) && this.directWorks(back)) {
          this.receivedDirect(from, to, t); // `to` heard the HELLO
          this.receivedDirect(to, from, t); // `from` heard the OK
        }
      }
    }
  }

  status(now: number): PeerPathStatus[] {
    this.advance(now);
    return [...this.#views].map(([direction, v]) => ({
      direction,
      via: v.remembered ? "direct" : "relay",
      lastReceiveAgoMs: Number.isFinite(v.lastReceive) ? now - v.lastReceive : null,
      directWorks: this.directWorks(direction),
    }));
  }

  #view(direction: string): View {
    const v = this.#views.get(direction);
    if (!v)
      throw new Error(
        `no peer path ${JSON.stringify(direction)}: known ${[...this.#views.keys()].join(", ")}`,
      );
    return v;
  }
}
