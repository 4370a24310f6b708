// What the ZeroTier link of a clab lab is doing now, per router end: which senders its outage
// table drops (by their zt0 MACs) and how much it dropped, and the qdisc on zt0 (netem when
// impaired).
// The clab counterpart of the netns relay's `link zt show`.
import { ROUTER_ZT_IF } from "../../render/clab.ts";
import { table } from "../../util/table.ts";
import { type ElementExec, parseDropCounter, ZT_FAULT_TABLE, ztMac } from "./zt-fault.ts";

export interface ZtEndStatus {
  router: string;
  /** The outage table is installed: it drops what arrives on zt0 from `cutFrom`. */
  dropping: boolean;
  /** The senders whose frames are dropped here (routers by name, else their MAC). */
  cutFrom: string[];
  /** Packets it dropped since installed (0 when not dropping). */
  dropped: number;
  /** `tc qdisc show dev zt0`'s root line, e.g. "netem ... delay 40ms 10ms loss 2%". */
  qdisc: string;
}

/** The root qdisc line of `tc qdisc show dev IFACE`, without its handle noise. */
export function rootQdisc(text: string): string {
  const line = text.split("\n").find((l) => /\broot\b/.test(l)) ?? "";
  const m = /^qdisc (\S+) \S+ (?:dev \S+ )?root\s*(.*)$/.exec(line.trim());
  if (!m) return line.trim();
  const rest = (m[2] ?? "")
    .replace(/\brefcnt \d+\s*/, "")
    .replace(/\s+/g, " ")
    .trim();
  return rest ? `${m[1]} ${rest}` : (m[1] as string);
}

/** The MACs in the outage set of `nft list table` text ("elements = { 02:..., 02:... }"). */
export function cutMacs(nftText: string): string[] {
  const m = /elements = \{([^}]*)\}/.exec(nftText);
  return m
    ? (m[1] ?? "")
        .split(",")
        .map((x) => x.trim())
        .filter(Boolean)
    : [];
}

export async function ztStatus(control: ElementExec, routers: readonly string[]): Promise<ZtEndStatus[]> {
  // Best effort: a router whose MAC cannot be read is shown by MAC where it is cut.
  const names = new Map<string, string>();
  await Promise.all(
    routers.map(async (r) => {
      const mac = await ztMac(control, r).catch(() => undefined);
      if (mac) names.set(mac, r);
    }),
  );
  return Promise.all(
    routers.map(async (router) => {
      const listed = await control.exec(router, ["nft", "list", "table", "netdev", ZT_FAULT_TABLE], {
        timeoutMs: 10_000,
      });
      const dropping = listed.exitCode === 0;
      const cutFrom = dropping ? cutMacs(listed.stdout).map((mac) => names.get(mac) ?? mac) : [];
      const qdisc = await control.exec(router, ["tc", "qdisc", "show", "dev", ROUTER_ZT_IF], {
        timeoutMs: 10_000,
      });
      return {
        router,
        dropping,
        cutFrom,
        // The listing carries the counter too ("counter packets 8 bytes 440 drop").
        dropped: dropping ? parseDropCounter(listed.stdout) : 0,
        qdisc: qdisc.exitCode === 0 ? rootQdisc(qdisc.stdout) : `unknown (${qdisc.stderr.trim()})`,
      };
    }),
  );
}

export function formatZtStatus(ends: ZtEndStatus[]): string {
  return table(
    ["router", "zt0 ingress", "dropped", "zt0 qdisc (egress)"],
    ends.map((e) => [
      e.router,
      e.cutFrom.length ? `DROPPING from ${e.cutFrom.join(", ")}` : "passing",
      String(e.dropped),
      e.qdisc,
    ]),
    2,
  );
}
