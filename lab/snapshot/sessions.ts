// A router's BGP sessions as snapshot data: `show protocols all` (lab/bird/protocols.ts parses
// the rows and details) plus what that parser leaves out and a diff needs: the capabilities both
// ends announced (graceful restart), the channel's filters, and the BFD session to the peer.
import { parseProtocols, showProtocolsCommand } from "../bird/protocols.ts";
import type { LabHandle } from "../runtime/kind.ts";
import type { RouterSession } from "./model.ts";

/** `show protocols all` split into one text block per protocol, keyed by protocol name. */
export function protocolBlocks(text: string): Map<string, string[]> {
  const blocks = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of text.split("\n")) {
    if (/^BIRD \S+ ready\.$/.test(line) || /^Name\s+Proto\s+Table/.test(line)) continue;
    if (line.trim() && !/^\s/.test(line)) {
      current = [];
      blocks.set(line.split(/\s+/)[0] ?? "", current);
    } else current?.push(line);
  }
  return blocks;
}

/** The capability names listed under "Local capabilities" or "Neighbor capabilities". */
export function capabilities(block: readonly string[], which: "Local" | "Neighbor"): Set<string> {
  const out = new Set<string>();
  const start = block.findIndex((l) => l.trim() === `${which} capabilities`);
  if (start < 0) return out;
  const indent = (l: string) => l.length - l.trimStart().length;
  const base = indent(block[start] ?? "");
  for (const line of block.slice(start + 1)) {
    if (indent(line) <= base) break;
    // Capability names sit one level deeper; their details (AF announced, ...) deeper still.
    if (indent(line) === base + 2) out.add(line.trim());
  }
  return out;
}

/** The ipv4 channel's "Input filter" / "Output filter" (ACCEPT, REJECT, a name, "(unnamed)"). */
function channelFilter(block: readonly string[], key: "Input filter" | "Output filter"): string | null {
  const line = block.find((l) => l.trim().startsWith(`${key}:`));
  return line
    ? line
        .trim()
        .slice(key.length + 1)
        .trim()
    : null;
}

/** `show bfd sessions`: peer address -> state. BIRD answers with an error when it runs no BFD
 * protocol; that is "no BFD session", not a failure. */
export function parseBfdSessions(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    // "<address>  <interface>  <state>  <since...>  <interval>  <timeout>" (proto/bfd/bfd.c, bfd_show_sessions)
    const m = /^(\d+\.\d+\.\d+\.\d+)\s+(\S+)\s+(\S+)\s/.exec(line);
    if (m?.[1] && m[3]) out.set(m[1], m[3]);
  }
  return out;
}

export function routerSessionsFrom(protocolsAll: string, bfd: Map<string, string>): RouterSession[] {
  const blocks = protocolBlocks(protocolsAll);
  return parseProtocols(protocolsAll)
    .filter((p) => p.proto === "BGP")
    .map((p) => {
      const block = blocks.get(p.name) ?? [];
      const established = p.info === "Established";
      const local = capabilities(block, "Local");
      const neighbor = capabilities(block, "Neighbor");
      return {
        protocol: p.name,
        peer: p.neighborAddress ?? null,
        peerAs: p.neighborAs ?? null,
        localAs: p.localAs ?? null,
        state: p.info || p.state,
        holdTime: established ? (p.holdTime ?? null) : null,
        keepalive: established ? (p.keepaliveTime ?? null) : null,
        gracefulRestart: local.has("Graceful restart") && neighbor.has("Graceful restart"),
        bfd: p.neighborAddress ? (bfd.get(p.neighborAddress) ?? null) : null,
        importFilter: channelFilter(block, "Input filter"),
        exportFilter: channelFilter(block, "Output filter"),
      };
    });
}

export async function readRouterSessions(h: LabHandle, router: string): Promise<RouterSession[]> {
  const [all, bfd] = await Promise.all([
    h.bird(router, showProtocolsCommand(undefined, true)),
    h.bird(router, "show bfd sessions").catch(() => ""),
  ]);
  return routerSessionsFrom(all, parseBfdSessions(bfd));
}
