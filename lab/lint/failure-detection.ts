// How long a silent failure of one BGP session goes unnoticed and how long the session then stays
// down after the link heals, from the timers both ends configure. BIRD negotiates hold = the
// smaller of both, scales its keepalive by the same factor (or uses hold/3), and starts every BGP
// timer up to 25 % early (bgp_start_timer); BFD detects in multiplier x agreed interval.
import { type BfdOptions, type BgpSettings, BIRD_DEFAULTS } from "./bird-conf.ts";

/** The timers of one end, defaults filled in. */
export interface SessionEnd {
  holdTime: number;
  /** null = not configured: hold/3 of the negotiated hold. */
  keepaliveTime: number | null;
  connectRetryTime: number;
  errorWaitTime: readonly [number, number];
  /** null when this end runs no BFD for the session. */
  bfd: Required<BfdOptions> | null;
}

export interface Window {
  earliest: number;
  worst: number;
}

export interface DetectionEstimate {
  negotiatedHold: number;
  /** Keepalive interval each end sends at, [a, b]. */
  keepalive: [number, number];
  /** Seconds from a silent failure to the session going down; Infinity when nothing detects it. */
  detection: Window & { by: "hold timer" | "bfd" | "nothing" };
  /** Seconds from the link healing to the session coming back after a short outage (error wait). */
  recovery: Window;
  /** After an outage longer than the error wait, the next connect attempt can be this far away. */
  connectRetry: number;
  /** Worst detection + worst recovery: how long traffic can be lost beyond the outage itself. */
  blackholeSeconds: number;
}

const EARLY = 0.75;

export function sessionEnd(bgp: BgpSettings, bfd: BfdOptions | null): SessionEnd {
  const d = BIRD_DEFAULTS;
  return {
    holdTime: bgp.holdTime?.value ?? d.holdTime,
    keepaliveTime: bgp.keepaliveTime?.value ?? null,
    connectRetryTime: bgp.connectRetryTime?.value ?? d.connectRetryTime,
    errorWaitTime: bgp.errorWaitTime?.value ?? d.errorWaitTime,
    bfd: bfd
      ? {
          minRxMs: bfd.minRxMs ?? d.bfd.minRxMs,
          minTxMs: bfd.minTxMs ?? d.bfd.minTxMs,
          multiplier: bfd.multiplier ?? d.bfd.multiplier,
        }
      : null,
  };
}

/** BIRD's keepalive for a negotiated hold (proto/bgp/packets.c, OPEN handling). */
export function negotiatedKeepalive(end: SessionEnd, hold: number): number {
  if (hold === 0) return 0;
  const k = end.keepaliveTime ? Math.floor((end.keepaliveTime * hold) / end.holdTime) : Math.floor(hold / 3);
  return k || 1;
}

export function estimateDetection(a: SessionEnd, b: SessionEnd): DetectionEstimate {
  const hold = Math.min(a.holdTime, b.holdTime);
  const keepalive: [number, number] = [negotiatedKeepalive(a, hold), negotiatedKeepalive(b, hold)];
  let detection: DetectionEstimate["detection"];
  if (a.bfd && b.bfd) {
    // Each end declares the other down after the other's multiplier x max(own rx, other's tx).
    const seen = (me: Required<BfdOptions>, other: Required<BfdOptions>) => {
      const interval = Math.max(me.minRxMs, other.minTxMs);
      return {
        worst: (other.multiplier * interval) / 1000,
        earliest: ((other.multiplier - 1) * interval) / 1000,
      };
    };
    const x = seen(a.bfd, b.bfd);
    const y = seen(b.bfd, a.bfd);
    detection = { by: "bfd", worst: Math.max(x.worst, y.worst), earliest: Math.min(x.earliest, y.earliest) };
  } else if (hold === 0) {
    detection = { by: "nothing", worst: Number.POSITIVE_INFINITY, earliest: Number.POSITIVE_INFINITY };
  } else {
    // The hold timer restarts on every message: the last one arrived up to a keepalive before the failure.
    detection = {
      by: "hold timer",
      worst: hold,
      earliest: Math.max(0, EARLY * hold - Math.max(...keepalive)),
    };
  }
  const waitWorst = Math.max(a.errorWaitTime[0], b.errorWaitTime[0]);
  const recovery = { worst: waitWorst, earliest: EARLY * Math.min(a.errorWaitTime[0], b.errorWaitTime[0]) };
  return {
    negotiatedHold: hold,
    keepalive,
    detection,
    recovery,
    connectRetry: Math.min(a.connectRetryTime, b.connectRetryTime),
    blackholeSeconds: detection.worst + recovery.worst,
  };
}
