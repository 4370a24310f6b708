// What the ZeroTier link of a clab lab is doing now, per router end: whether the outage's drop
// table is installed and how much it dropped, and the qdisc on zt0 (netem when impaired).
// The clab counterpart of the netns relay's `link zt show`.
import { ROUTER_ZT_IF } from "../../render/clab.ts";
import { table } from "../../util/table.ts";
import { type ElementExec, ZT_FAULT_TABLE, ztDropped } from "./zt-fault.ts";

export interface ZtEndStatus {
  router: string;
  /** The outage table drops everything arriving on zt0. */
  dropping: boolean;
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

export async function ztStatus(control: ElementExec, routers: readonly string[]): Promise<ZtEndStatus[]> {
  return Promise.all(
    routers.map(async (router) => {
      const listed = await control.exec(router, ["nft", "list", "table", "netdev", ZT_FAULT_TABLE], {
        timeoutMs: 10_000,
      });
      const dropping = listed.exitCode === 0;
      const qdisc = await control.exec(router, ["tc", "qdisc", "show", "dev", ROUTER_ZT_IF], {
        timeoutMs: 10_000,
      });
      return {
        router,
        dropping,
        dropped: dropping ? await ztDropped(control, router) : 0,
        qdisc: qdisc.exitCode === 0 ? rootQdisc(qdisc.stdout) : `unknown (${qdisc.stderr.trim()})`,
      };
    }),
  );
}

export function formatZtStatus(ends: ZtEndStatus[]): string {
  return table(
    ["router", "zt0 ingress", "dropped", "zt0 qdisc (egress)"],
    ends.map((e) => [e.router, e.dropping ? "DROPPING (outage)" : "passing", String(e.dropped), e.qdisc]),
    2,
  );
}
