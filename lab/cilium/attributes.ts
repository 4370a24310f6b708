// BGP path attributes of a CiliumBGPAdvertisement (spec.advertisements[].attributes), normalised
// the way the speaker sends them: standard communities as "high:low", well-known names as
// their numeric values, large communities as "a:b:c", LOCAL_PREF as a number.

export interface PathAttributes {
  /** Standard communities (RFC 1997) as "high:low", well-known names resolved, deduplicated. */
  communities: string[];
  /** Large communities (RFC 8092) as "global:local1:local2", deduplicated. */
  largeCommunities: string[];
  /** null when no advertisement sets it (the speaker then sends none of its own). */
  localPreference: number | null;
}

/** Cilium's well-known community names and their values, as documented on the CRD's
 * BGPWellKnownCommunity type (cilium/cilium pkg/k8s/apis/cilium.io/v2/bgp_advert_types.go;
 * the same text is in schemas/cilium/ciliumbgpadvertisements.yaml). */
export const WELL_KNOWN_COMMUNITIES: Readonly<Record<string, string>> = {
  internet: "0:0",
  "planned-shut": "65535:0",
  "accept-own": "65535:1",
  "route-filter-translated-v4": "65535:2",
  "route-filter-v4": "65535:3",
  "route-filter-translated-v6": "65535:4",
  "route-filter-v6": "65535:5",
  "llgr-stale": "65535:6",
  "no-llgr": "65535:7",
  blackhole: "65535:666",
  "no-export": "65535:65281",
  "no-advertise": "65535:65282",
  "no-export-subconfed": "65535:65283",
  "no-peer": "65535:65284",
};

/** A standard community as "high:low" (the CRD allows a 4-byte decimal too). */
export function standardCommunity(value: string): string {
  if (value.includes(":")) {
    const [hi, lo] = value.split(":").map(Number);
    return `${hi}:${lo}`;
  }
  const n = Number(value);
  return `${Math.floor(n / 65536)}:${n % 65536}`;
}

export interface AttributesSpec {
  communities?: { standard?: string[]; large?: string[]; wellKnown?: string[] };
  localPreference?: number;
}

export function pathAttributes(spec: AttributesSpec | undefined): PathAttributes {
  const c = spec?.communities ?? {};
  const std = [
    ...(c.standard ?? []).map(standardCommunity),
    ...(c.wellKnown ?? []).map((w) => WELL_KNOWN_COMMUNITIES[w] ?? w),
  ];
  return {
    communities: [...new Set(std)],
    largeCommunities: [...new Set((c.large ?? []).map((l) => l.split(":").map(Number).join(":")))],
    localPreference: spec?.localPreference ?? null,
  };
}

export const NO_ATTRIBUTES: PathAttributes = { communities: [], largeCommunities: [], localPreference: null };

export function sameAttributes(a: PathAttributes, b: PathAttributes): boolean {
  const key = (x: PathAttributes) =>
    JSON.stringify([[...x.communities].sort(), [...x.largeCommunities].sort(), x.localPreference]);
  return key(a) === key(b);
}
