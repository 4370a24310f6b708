// The timers a scenario's bounds follow from, read from the live daemons when the scenario
// starts: negotiated hold and keepalive per BIRD session, BFD detection times, and the
// node speakers' settings from the resolved CRDs.
import { parseProtocols, showProtocolsCommand } from "../bird/protocols.ts";
import type { LabHandle } from "../runtime/kind.ts";

export interface SessionTimers {
  holdS: number;
  keepaliveS: number;
  /** BFD detection time in ms when a BFD session runs to that neighbor. */
  bfdDetectMs: number | null;
}

export interface TimerInfo {
  /** "router/protocol" -> timers. */
  sessions: Map<string, SessionTimers>;
  /** Node name -> PeerConfig's graceful restart time when enabled. */
  gracefulRestartS: Map<string, number>;
  /** The node's pod CIDR -> the same: a route's stale time, by the prefix the node advertises. */
  gracefulRestartByPrefixS: Map<string, number>;
}

/** Before the daemons are read (or when they cannot be): no timers known. */
export function noTimers(): TimerInfo {
  return { sessions: new Map(), gracefulRestartS: new Map(), gracefulRestartByPrefixS: new Map() };
}

export async function readTimers(h: LabHandle): Promise<TimerInfo> {
  const { lab } = h;
  const sessions = new Map<string, SessionTimers>();
  for (const r of lab.routers) {
    try {
      const bird = (command: string) => h.bird(r.name, command);
      const bfd = await bfdTimeouts(bird);
      const protocols = parseProtocols(await bird(showProtocolsCommand(undefined, true)));
      for (const p of protocols.filter((x) => x.proto === "BGP")) {
        if (p.holdTime === undefined) continue;
        sessions.set(`${r.name}/${p.name}`, {
          holdS: p.holdTime,
          keepaliveS: p.keepaliveTime ?? p.holdTime / 3,
          bfdDetectMs: p.neighborAddress ? (bfd.get(p.neighborAddress) ?? null) : null,
        });
      }
    } catch {
      // A router that is down right now contributes no timers; its bounds stay unknown.
    }
  }
  const gracefulRestartS = new Map<string, number>();
  const gracefulRestartByPrefixS = new Map<string, number>();
  for (const n of lab.nodes) {
    const gr = n.bgp?.instances.flatMap((i) => i.peers).find((p) => p.gracefulRestart.enabled);
    if (!gr) continue;
    gracefulRestartS.set(n.name, gr.gracefulRestart.restartSeconds);
    gracefulRestartByPrefixS.set(n.podCidr.text, gr.gracefulRestart.restartSeconds);
  }
  return { sessions, gracefulRestartS, gracefulRestartByPrefixS };
}

/** `show bfd sessions`: neighbor -> detection timeout in ms (the Timeout column, seconds). */
async function bfdTimeouts(bird: (command: string) => Promise<string>): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  try {
    const text = await bird("show bfd sessions");
    for (const line of text.split("\n")) {
      const m = /^(\d+\.\d+\.\d+\.\d+)\s+\S+\s+(\S+)\s+.*?([\d.]+)\s+([\d.]+)\s*$/.exec(line.trim());
      if (m && m[2] === "Up") out.set(m[1] as string, Number(m[4]) * 1000);
    }
  } catch {
    // No BFD protocol configured: BIRD answers with an error, and there are no BFD sessions.
  }
  return out;
}
