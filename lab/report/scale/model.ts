// One measured size of `make bench-scale` (scripts/bench-scale.ts writes them as JSON).
export interface ScaleResult {
  nodes: number;
  sites: number;
  infraReadyMs: number;
  daemonsReadyMs: number;
  convergedMs: number;
  downMs: number;
  peakMemMiB: number;
  /** The peak of the proportional set size (shared pages counted once in total); absent in
   * older results. */
  peakPssMiB?: number;
  statusMs: number;
  statusComplete: boolean;
  leftNamespaces: number;
  error?: string;
}
