// A snapshot for people: per router its sessions, best routes and exports, per node what crosses
// its session, and the reachability matrix. The JSON form is the snapshot itself.
import { table } from "../util/table.ts";
import type { Snapshot } from "./model.ts";

const path = (p: number[] | null) => (p === null ? "" : p.length ? p.join(" ") : "(empty)");

export function formatSnapshot(s: Snapshot): string {
  const out: string[] = [];
  for (const r of s.routers) {
    out.push(`${r.router}${r.error ? `: BIRD not answering (${r.error})` : ""}`);
    if (r.error) continue;
    out.push(
      table(
        ["Session", "Peer", "AS", "State", "Hold/KA", "GR", "BFD", "Import", "Export", "Exports"],
        r.sessions.map((x) => [
          x.protocol,
          x.peer ?? "-",
          String(x.peerAs ?? "-"),
          x.state,
          x.holdTime === null ? "-" : `${x.holdTime}/${x.keepalive}`,
          x.gracefulRestart ? "yes" : "no",
          x.bfd ?? "-",
          x.importFilter ?? "-",
          x.exportFilter ?? "-",
          (r.exports[x.protocol] ?? []).map((e) => e.prefix).join(" ") || "(none)",
        ]),
        2,
      ),
    );
    out.push(
      table(
        ["Prefix", "Protocol", "Best", "Next hop", "AS path", "LP", "MED", "Communities"],
        r.routes.map((x) => [
          x.prefix,
          x.protocol,
          x.best ? "*" : "",
          x.nextHop ?? x.iface ?? "-",
          path(x.asPath),
          x.localPref === null ? "" : String(x.localPref),
          x.med === null ? "" : String(x.med),
          [...x.communities, ...x.largeCommunities].join(" "),
        ]),
        2,
      ),
    );
    out.push(
      `  FIB: ${r.fib.map((f) => `${f.dst}${f.gateway ? ` via ${f.gateway}` : ""}`).join(", ") || "(none)"}`,
      "",
    );
  }
  out.push(
    table(
      ["Node", "Peer", "State", "Advertises", "Receives"],
      s.nodes.map((n) => [
        n.node,
        n.error ? "-" : n.sessions.map((x) => x.peer).join(" "),
        n.error ? `not answering: ${n.error}` : n.sessions.map((x) => x.state).join(" "),
        n.advertises.join(" "),
        n.receives.join(" "),
      ]),
    ),
    "",
    table(
      ["From", "To", "ICMP", "TCP"],
      s.reachability.map((p) => [p.from, p.to, p.icmp ? "ok" : "LOST", p.tcp ? "ok" : "LOST"]),
    ),
  );
  return out.join("\n");
}
