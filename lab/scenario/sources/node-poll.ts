// Node readiness into the event stream: the control plane (LabHandle.clusterNodes) is read every
// POLL_MS, and each change is recorded with the control plane's own time of it, so the figures
// are as exact as its controller (5 s node-monitor-period), not as the poll.
import type { ClusterNode, LabHandle } from "../../runtime/kind.ts";
import type { LabEvent } from "../types.ts";
import { pollEvents } from "./poll.ts";

const POLL_MS = 2000;

/** The events between two reads of the control plane (`before` null: the first read, no events). */
export function nodeChanges(before: ClusterNode[] | null, after: ClusterNode[]): LabEvent[] {
  if (!before) return [];
  const out: LabEvent[] = [];
  for (const n of after) {
    const b = before.find((x) => x.name === n.name);
    if (b && b.ready !== n.ready)
      out.push({
        t: n.transitionAt,
        kind: "node",
        node: n.name,
        change: n.ready ? "ready" : "notready",
        source: "control-plane",
      });
    const known = new Set(b?.evicted.map((e) => e.pod) ?? []);
    const fresh = n.evicted.filter((e) => !known.has(e.pod));
    if (b && fresh.length)
      out.push({
        t: Math.min(...fresh.map((e) => e.at)),
        kind: "node",
        node: n.name,
        change: "evicted",
        detail: fresh.map((e) => e.pod).join(", "),
        source: "control-plane",
      });
  }
  return out;
}

/** Polls until the returned stop is called; a control plane that does not answer becomes a note once. */
export function watchNodes(h: LabHandle, record: (e: LabEvent) => void): () => Promise<void> {
  const read = h.clusterNodes?.bind(h);
  if (!read) return async () => {};
  let last: ClusterNode[] | null = null;
  return pollEvents({
    read,
    eventsOf: (nodes) => {
      const events = nodeChanges(last, nodes);
      last = nodes;
      return events;
    },
    record,
    label: "control plane",
    intervalMs: POLL_MS,
  });
}
