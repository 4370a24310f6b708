// The topology's internet paths (zerotier.paths) as the relay's per-direction impairments: the
// round trip split evenly, jitter and loss the same each way. The relay starts from these and
// its reset returns to them.
import type { ZerotierPath } from "../../topology/model.ts";
import type { Impairment } from "./impairment.ts";

export interface DirectionBaseline {
  /** "from->to", the relay's direction name (endpoints are named after their site). */
  direction: string;
  impairment: Partial<Impairment>;
}

export function pathBaselines(paths: readonly ZerotierPath[]): DirectionBaseline[] {
  return paths.flatMap((p) => {
    const impairment: Partial<Impairment> = {
      delayMs: p.rttMs / 2,
      jitterMs: p.jitterMs,
      lossPct: p.lossPct,
    };
    const [a, b] = p.sites;
    return [
      { direction: `${a}->${b}`, impairment: { ...impairment } },
      { direction: `${b}->${a}`, impairment: { ...impairment } },
    ];
  });
}
