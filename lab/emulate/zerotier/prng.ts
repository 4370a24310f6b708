// A tiny seedable PRNG (the mulberry32 construction), so a lab run's losses and jitter can be
// reproduced from the seed it reports, and tests are deterministic. Not for anything secret.

export type Random = () => number;

/** Uniform in [0, 1), fully determined by the 32-bit seed. */
export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  };
}

/** Independent-looking streams from one seed (one per direction), still reproducible. */
export function deriveSeed(seed: number, stream: number): number {
  return (seed + Math.imul(stream + 1, 0x9e3779b9)) >>> 0;
}
