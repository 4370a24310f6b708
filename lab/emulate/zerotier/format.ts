// The relay's show() as a compact table for a terminal: one row per direction.
import { describeImpairment } from "./impairment.ts";
import type { DirectionStatus, RelayStatus } from "./relay.ts";
import { DROP_REASONS } from "./shaper.ts";

export function formatRelayStatus(status: RelayStatus): string {
  const where = status.listening ? `${status.listening.address}:${status.listening.port}` : "(not listening)";
  const peers = status.endpoints.map((e) => `${e.name}=${e.address}`).join(" ");
  const lines = [
    `relay ${where} -> ${peers} port ${status.peerPort}, seed ${status.seed}, ZeroTier physical MTU ${status.physMtu}`,
    formatRoot(status),
  ];

  const rows = status.directions.map((d) => {
    const dropped = DROP_REASONS.filter((r) => d.counters.dropped[r] > 0).map(
      (r) => `${r} ${d.counters.dropped[r]}`,
    );
    if (d.sendErrors > 0) dropped.push(`send-error ${d.sendErrors}`);
    // Frames lost to a missing fragment, as ZeroTier's reassembly ring gives them up.
    if (d.frames.evicted > 0) dropped.push(`frames-evicted ${d.frames.evicted}`);
    if (d.frames.deadPath > 0) dropped.push(`frames-into-dead-path ${d.frames.deadPath}`);
    return [
      d.direction,
      formatPath(d.path),
      describeImpairment(d.impairment),
      `${d.frames.delivered}/${d.frames.received}`,
      `${d.counters.forwarded}/${d.counters.received}`,
      String(d.counters.duplicated),
      formatBytes(d.counters.bytes),
      String(d.queued),
      dropped.length > 0 ? dropped.join(", ") : "-",
    ];
  });
  // FRAMES delivered/received; FRAGMENTS forwarded/received (one per ZeroTier UDP datagram);
  // PATH as `zerotier-cli peers` shows it: the sender's path, when it last heard the other side on it.
  const header = [
    "DIRECTION",
    "PATH",
    "IMPAIRMENT",
    "FRAMES",
    "FRAGMENTS",
    "DUPLICATED",
    "BYTES",
    "QUEUED",
    "DROPPED",
  ];
  lines.push(...table([header, ...rows], [false, false, false, true, true, true, true, true, false]));

  const paths = status.directions.filter((d) => describeImpairment(d.baseline) !== "none");
  if (paths.length > 0)
    lines.push(
      `topology path (link zt reset returns to it): ${paths.map((d) => `${d.direction} ${describeImpairment(d.baseline)}`).join("; ")}`,
    );
  const u = status.unknownSources;
  if (u.count > 0) lines.push(`unknown sources: ${u.count} datagrams dropped (last from ${u.last})`);
  return lines.join("\n");
}

/** "root 100.64.0.2:9993 (own namespace) +20 ms, relayed 12 frames". */
function formatRoot(status: RelayStatus): string {
  const r = status.root;
  const where = r.address === null ? "(not listening)" : `${r.address}:${r.port}`;
  const notes = [`relayed ${r.forwarded} frames`];
  if (r.queued > 0) notes.push(`${r.queued} waiting`);
  if (r.refused > 0) notes.push(`refused ${r.refused}`);
  if (r.sendErrors > 0) notes.push(`send-error ${r.sendErrors}`);
  return `root ${where}${r.ownNamespace ? " (own namespace)" : ""} +${status.rootDelayMs} ms, ${notes.join(", ")}`;
}

/** "DIRECT 3s", "RELAY 250s", "DIRECT(dead) 30s": the path and the last receive on the direct one. */
function formatPath(p: DirectionStatus["path"]): string {
  const ago = p.lastReceiveAgoMs === null ? "never" : `${Math.round(p.lastReceiveAgoMs / 1000)}s`;
  return `${p.via.toUpperCase()}${p.directWorks ? "" : "(dead)"} ${ago}`;
}

export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${n} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** Pads cells to column width; numbers right-aligned so digits line up. */
function table(rows: string[][], rightAlign: boolean[]): string[] {
  const widths = rows[0]?.map((_, col) => Math.max(...rows.map((r) => (r[col] ?? "").length))) ?? [];
  return rows.map((r) =>
    r
      .map((cell, col) => {
        const w = widths[col] ?? 0;
        return rightAlign[col] ? cell.padStart(w) : cell.padEnd(w);
      })
      .join("  ")
      .trimEnd(),
  );
}
