// Talking to a node's gobgpd through the gobgp CLI's JSON output (its gRPC API listens on
// 127.0.0.1:<port> inside the node's namespace).
import type { PathAttributes } from "../cilium/attributes.ts";
import { output, run } from "../util/exec.ts";
import { gobgpTools } from "./binary.ts";

/** GoBGP's session_state numbers (apipb.PeerState_SessionState). */
export const SESSION_STATES = [
  "unknown",
  "idle",
  "connect",
  "active",
  "open_sent",
  "open_confirm",
  "established",
] as const;
export type GobgpSessionState = (typeof SESSION_STATES)[number];

export interface GobgpNeighbor {
  address: string;
  localAs: number;
  peerAs: number;
  state: GobgpSessionState;
  /** Unix seconds of the last transition to Established, if any. */
  uptimeSince: number | null;
  received: number;
  accepted: number;
  advertised: number;
}

interface RawNeighbor {
  conf?: { neighbor_address?: string; local_asn?: number; peer_asn?: number };
  state?: { session_state?: number; neighbor_address?: string };
  timers?: { state?: { uptime?: { seconds?: number } } };
  afi_safis?: { state?: { received?: number; accepted?: number; advertised?: number } }[];
}

/** Parses `gobgp neighbor -j` (an array) or `gobgp neighbor <addr> -j` (one object). */
export function parseNeighbors(json: string): GobgpNeighbor[] {
  const parsed = JSON.parse(json.trim() || "[]") as RawNeighbor[] | RawNeighbor | null;
  const raw = parsed === null ? [] : Array.isArray(parsed) ? parsed : [parsed];
  return raw.map((n) => {
    const fam = n.afi_safis ?? [];
    const sum = (k: "received" | "accepted" | "advertised") =>
      fam.reduce((a, f) => a + (f.state?.[k] ?? 0), 0);
    const state = SESSION_STATES[n.state?.session_state ?? 0] ?? "unknown";
    return {
      address: n.conf?.neighbor_address ?? n.state?.neighbor_address ?? "?",
      localAs: n.conf?.local_asn ?? 0,
      peerAs: n.conf?.peer_asn ?? 0,
      state,
      uptimeSince: state === "established" ? (n.timers?.state?.uptime?.seconds ?? null) : null,
      received: sum("received"),
      accepted: sum("accepted"),
      advertised: sum("advertised"),
    };
  });
}

/**
 * The speaker's sessions with the given configured peers, one CLI process per peer (a node's
 * speaker has one: its site router). `gobgp neighbor <addr>` asks ListPeer with
 * enable_advertised, so its afi_safis carry the advertised count that the list form
 * (`gobgp neighbor -j`) leaves out; checked on gobgp 3.10 and 3.36, fixtures in
 * tests/fixtures/gobgp/.
 */
export async function gobgpNeighbors(
  ns: string,
  apiPort: number,
  peerAddresses: readonly string[],
): Promise<GobgpNeighbor[]> {
  const each = await Promise.all(
    peerAddresses.map(async (addr) =>
      parseNeighbors(
        await output([gobgpTools().gobgp, "-p", String(apiPort), "neighbor", addr, "-j"], {
          netns: ns,
          timeoutMs: 5000,
        }),
      ),
    ),
  );
  return each.flat();
}

/** Originates a prefix from the speaker (Cilium does the same through the API), with the
 * advertisement's communities and LOCAL_PREF when it has them. */
export async function gobgpAddPrefix(
  ns: string,
  apiPort: number,
  prefix: string,
  attributes?: PathAttributes,
): Promise<void> {
  // ORIGIN IGP, as Cilium originates its advertisements.
  await run(
    [
      gobgpTools().gobgp,
      "-p",
      String(apiPort),
      "global",
      "rib",
      "add",
      prefix,
      "origin",
      "igp",
      ...attributeArgs(attributes),
      "-a",
      "ipv4",
    ],
    { netns: ns, timeoutMs: 5000 },
  );
}

/** The gobgp CLI's words for path attributes (`gobgp global rib add ... community A,B`). */
export function attributeArgs(a: PathAttributes | undefined): string[] {
  if (!a) return [];
  return [
    ...(a.communities.length ? ["community", a.communities.join(",")] : []),
    ...(a.largeCommunities.length ? ["large-community", a.largeCommunities.join(",")] : []),
    ...(a.localPreference !== null ? ["local-pref", String(a.localPreference)] : []),
  ];
}

export async function gobgpLocalPrefixes(ns: string, apiPort: number): Promise<string[]> {
  const out = await output([gobgpTools().gobgp, "-p", String(apiPort), "global", "rib", "-a", "ipv4", "-j"], {
    netns: ns,
    timeoutMs: 5000,
  });
  return Object.keys(JSON.parse(out.trim() || "{}") as Record<string, unknown>);
}

/** True once the gRPC API answers. */
export async function gobgpReady(ns: string, apiPort: number): Promise<boolean> {
  const r = await run([gobgpTools().gobgp, "-p", String(apiPort), "global"], {
    netns: ns,
    allowFailure: true,
    timeoutMs: 3000,
  });
  return r.code === 0;
}
