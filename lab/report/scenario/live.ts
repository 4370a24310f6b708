// One terminal line per lab event, printed as it happens. Each kind has its own case: a new
// LabEvent kind without one here fails to compile (the `never` check).
import type { LabEvent } from "../../scenario/types.ts";
import { printable } from "./format.ts";

/** "[  12.345s]": seconds since t0 (the scenario start), fixed width so columns line up. */
export function formatOffset(t: number, t0: number): string {
  return `[${((t - t0) / 1000).toFixed(3).padStart(8)}s]`;
}

export function formatLiveEvent(e: LabEvent, t0: number): string {
  return printable(`${formatOffset(e.t, t0)} ${e.kind.padEnd(7)} ${describe(e)}`);
}

// Polled states are only as precise as the poll interval; daemon and netlink events are exact,
// so only the former are marked.
function polled(source: string): string {
  return source === "poll" ? " [poll]" : "";
}

function describe(e: LabEvent): string {
  switch (e.kind) {
    case "step":
      return `#${e.index} ${(e.status === "fail" ? "FAIL" : e.status).padEnd(5)} ${e.step}${e.detail ? `: ${e.detail}` : ""}`;
    case "fault":
      return `${e.target} ${e.action}${e.detail ? ` (${e.detail})` : ""}`;
    case "session":
      return `${e.owner}/${e.peer} ${e.state}${e.detail ? ` (${e.detail})` : ""}${polled(e.source)}`;
    case "route":
      return `${e.router} ${e.change} ${e.prefix}${e.via ? ` via ${e.via}` : ""}${polled(e.source)}`;
    case "node":
      return `${e.node} ${e.change === "ready" ? "Ready" : e.change === "notready" ? "NotReady" : "pods evicted"}${e.detail ? ` (${e.detail})` : ""}`;
    case "zt-path":
      return `ZeroTier ${e.direction} ${e.via === "relay" ? "RELAY (through the root)" : "DIRECT"}${polled(e.source)}`;
    case "note":
      return e.message;
    default: {
      const never: never = e;
      return String(never);
    }
  }
}
