// What every check reads: the Lab (positions of YAML fields included, see topology/positions.ts),
// each router's parsed bird.conf (or why it could not be read) and the options. Built once per
// lint run so files are read once.
import type { Lab } from "../topology/model.ts";
import { type BirdConfig, BirdSyntaxError, readBirdConfig } from "./bird-conf.ts";

export interface LintOptions {
  /** Cross-site outage (detection + recovery) above which the VPN session is flagged. Default 30 s. */
  blackholeThresholdSeconds?: number;
}

export const DEFAULT_BLACKHOLE_THRESHOLD_SECONDS = 30;

export interface LintContext {
  lab: Lab;
  blackholeThresholdSeconds: number;
  /** Parsed bird.conf by router name; routers whose config failed are in birdErrors instead. */
  bird: Map<string, BirdConfig>;
  birdErrors: Map<string, BirdSyntaxError>;
}

export function createContext(lab: Lab, opts: LintOptions = {}): LintContext {
  const bird = new Map<string, BirdConfig>();
  const birdErrors = new Map<string, BirdSyntaxError>();
  for (const r of lab.routers) {
    try {
      bird.set(r.name, readBirdConfig(r.birdConf));
    } catch (err) {
      if (!(err instanceof BirdSyntaxError)) throw err;
      birdErrors.set(r.name, err);
    }
  }
  return {
    lab,
    blackholeThresholdSeconds: opts.blackholeThresholdSeconds ?? DEFAULT_BLACKHOLE_THRESHOLD_SECONDS,
    bird,
    birdErrors,
  };
}
