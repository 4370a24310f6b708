// ZeroTier path switches into the event stream: the emulation (LabHandle.ztPaths) is read every
// POLL_MS and each switch it logged since is recorded at the emulation's own time of it, so a
// switch to the root is placed where ZeroTier's timers put it, not where the poll found it.
import type { LabHandle, ZtPaths } from "../../runtime/kind.ts";
import type { LabEvent } from "../types.ts";
import { pollEvents } from "./poll.ts";

const POLL_MS = 1000;

export interface PathReader {
  /** Highest switch seen so far; null before the first read. */
  lastSeq: number | null;
}

/**
 * The events of one read. The first read records each direction's current path (so its lane
 * starts known) and nothing older; later reads the switches numbered above the last one seen. A
 * numbering that went down means the emulation was restarted: all its switches are new.
 */
export function pathEvents(reader: PathReader, paths: ZtPaths, now: number): LabEvent[] {
  const top = Math.max(0, ...paths.changes.map((c) => c.seq));
  const first = reader.lastSeq === null;
  const since = first ? top : top < (reader.lastSeq as number) ? 0 : (reader.lastSeq as number);
  reader.lastSeq = top;
  const out: LabEvent[] = first
    ? paths.now.map((p) => ({ t: now, kind: "zt-path", direction: p.direction, via: p.via, source: "poll" }))
    : [];
  for (const c of paths.changes)
    if (c.seq > since)
      out.push({ t: c.at, kind: "zt-path", direction: c.direction, via: c.via, source: "relay" });
  return out;
}

/** Polls until the returned stop is called; an emulation that does not answer becomes a note once. */
export function watchZtPaths(h: LabHandle, record: (e: LabEvent) => void): () => Promise<void> {
  const read = h.ztPaths?.bind(h);
  if (!read) return async () => {};
  const reader: PathReader = { lastSeq: null };
  return pollEvents({
    read,
    eventsOf: (paths) => pathEvents(reader, paths, Date.now()),
    record,
    label: "ZeroTier paths",
    intervalMs: POLL_MS,
    // The last switches before the scenario ended (e.g. back to direct just before the stop).
    finalRead: true,
  });
}
