// The ZeroTier link faults of the clab runtime, where the link is a plain veth `zt0` between
// the router containers.
//
// Outage: a real ZeroTier outage is silent (zt0 stays up and keeps its address; packets just
// stop arriving), so taking the veth down would be the wrong fault: BIRD would see the
// interface go and drop the session at once instead of waiting for its hold timer. Instead an
// nftables table in the router's own namespace drops and counts everything arriving on zt0
// (netdev family, ingress hook: before ARP, IP and BIRD see it). "link down" installs it in
// both routers; a one-way cut ("home->mine") only where packets arrive (the receiving router),
// so the other direction keeps flowing. nft runs inside the router container (the router image
// carries nftables), and needs nothing of tc (no prio or matchall, which some kernels lack).
//
// Impairment: `containerlab tools netem`, which puts a netem qdisc on an interface of a node:
// egress only, so a "both" impairment is set on both ends and a one-way one on the sending end.
// Its flags are delay, jitter, loss, rate (whole kbit/s) and corruption; whatever else an
// Impairment can say (bursty loss, duplication) is named by unsupportedImpairment so a scenario
// step can be refused (or carried out otherwise) before anything runs.
import type { ExecOptions, ExecResult } from "../../docker/containers.ts";
import { type Impairment, validateImpairment } from "../../emulate/zerotier/impairment.ts";
import { ROUTER_ZT_IF } from "../../render/clab.ts";
import { LabError } from "../../util/errors.ts";

export const ZT_FAULT_TABLE = "xsite_zt_fault";
export const ZT_FAULT_CHAIN = "zt_in";

/** What the faults need of the lab: exec in an element's container (ClabControl, or ContainerControl by container name). */
export interface ElementExec {
  exec(element: string, argv: string[], opts?: ExecOptions): Promise<ExecResult>;
}

const IFACE = /^[A-Za-z0-9_.@:][A-Za-z0-9_.@:-]{0,14}$/;
const CONTAINER = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

function checkIface(iface: string): void {
  if (!IFACE.test(iface)) throw new LabError(`invalid interface name ${JSON.stringify(iface)}`);
}

/**
 * nft script (for `nft -f -`) that drops and counts every packet arriving on `iface`. It
 * replaces the table if present (the add makes the delete safe), so installing twice is fine;
 * the counter starts again from zero then.
 */
export function outageScript(iface: string = ROUTER_ZT_IF): string {
  checkIface(iface);
  return [
    `add table netdev ${ZT_FAULT_TABLE}`,
    `delete table netdev ${ZT_FAULT_TABLE}`,
    `table netdev ${ZT_FAULT_TABLE} {`,
    `  chain ${ZT_FAULT_CHAIN} {`,
    `    type filter hook ingress device "${iface}" priority 0;`,
    "    counter drop",
    "  }",
    "}",
    "",
  ].join("\n");
}

/** nft script removing the outage table; removing one that is not there is fine. */
export function removeScript(): string {
  return [`add table netdev ${ZT_FAULT_TABLE}`, `delete table netdev ${ZT_FAULT_TABLE}`, ""].join("\n");
}

/**
 * Packets counted by the table's drop rule(s), from `nft -j list table ...` (JSON) or plain
 * `nft list table ...` text ("counter packets 8 bytes 440 drop").
 */
export function parseDropCounter(nft: string): number {
  const text = nft.trim();
  if (text.startsWith("{")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new LabError(`nft -j: not JSON: ${text.slice(0, 80)}`);
    }
    const items = (parsed as { nftables?: unknown } | null)?.nftables;
    if (!Array.isArray(items)) throw new LabError('nft -j: no "nftables" list');
    let packets: number | undefined;
    for (const item of items) {
      const expr = (item as { rule?: { expr?: unknown } } | null)?.rule?.expr;
      if (!Array.isArray(expr) || !expr.some((e) => e && typeof e === "object" && "drop" in e)) continue;
      for (const e of expr) {
        const n = (e as { counter?: { packets?: unknown } } | null)?.counter?.packets;
        if (typeof n === "number") packets = (packets ?? 0) + n;
      }
    }
    if (packets === undefined) throw new LabError("nft: no counted drop rule in the table");
    return packets;
  }
  const counts = [...text.matchAll(/\bcounter packets (\d+) bytes \d+\s+drop\b/g)].map((m) => Number(m[1]));
  if (counts.length === 0) throw new LabError(`nft: no counted drop rule in: ${text.slice(0, 120)}`);
  return counts.reduce((a, b) => a + b, 0);
}

/** A failed nft in a router as a LabError, with a hint when the image has no nft. */
function nftError(router: string, what: string, r: ExecResult): LabError {
  const detail = (r.stderr || r.stdout).trim() || `exit ${r.exitCode}`;
  const missing = r.exitCode === 126 || r.exitCode === 127 || /executable file not found/.test(detail);
  return new LabError(
    `${what} in ${router}: ${detail}`,
    missing
      ? "the router image lacks nftables: remove the image xsite/bird:2.0.12 so the lab rebuilds it"
      : undefined,
  );
}

/** Runs in every router at once; throws the first failure after all have finished. */
async function eachRouter(routers: readonly string[], fn: (router: string) => Promise<void>): Promise<void> {
  const results = await Promise.allSettled(routers.map(fn));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
}

async function nftScript(control: ElementExec, router: string, script: string, what: string): Promise<void> {
  const r = await control.exec(router, ["nft", "-f", "-"], { input: script, timeoutMs: 10_000 });
  if (r.exitCode !== 0) throw nftError(router, what, r);
}

/** Silent outage: everything arriving on zt0 in these routers is dropped (zt0 stays up). */
export function ztDown(
  control: ElementExec,
  routers: readonly string[],
  iface = ROUTER_ZT_IF,
): Promise<void> {
  const script = outageScript(iface);
  return eachRouter(routers, (r) => nftScript(control, r, script, "installing the zt0 drop"));
}

/** Ends the outage in these routers; a router without one is fine. */
export function ztUp(control: ElementExec, routers: readonly string[]): Promise<void> {
  const script = removeScript();
  return eachRouter(routers, (r) => nftScript(control, r, script, "removing the zt0 drop"));
}

/** Packets dropped on zt0 in this router since the outage was installed; 0 when there is none. */
export async function ztDropped(control: ElementExec, router: string): Promise<number> {
  const r = await control.exec(router, ["nft", "-j", "list", "table", "netdev", ZT_FAULT_TABLE], {
    timeoutMs: 10_000,
  });
  if (r.exitCode !== 0) {
    if (/No such file or directory/.test(r.stderr)) return 0;
    throw nftError(router, "reading the zt0 drop counter", r);
  }
  return parseDropCounter(r.stdout);
}

/** Milliseconds as a Go duration ("30ms", "500us"), the form containerlab's flags parse. */
function goDuration(ms: number): string {
  return Number.isInteger(ms) ? `${ms}ms` : `${Math.round(ms * 1000)}us`;
}

/** A percentage without exponent notation (netem's resolution is far coarser than 1e-6 %). */
function percent(n: number): string {
  return String(Number(n.toFixed(6)));
}

/**
 * The parts of an impairment `containerlab tools netem set` cannot express, one sentence each;
 * [] when it can carry all of it. Invalid impairments are reported too.
 */
export function unsupportedImpairment(imp: Partial<Impairment>): string[] {
  const invalid = validateImpairment(imp);
  if (invalid.length) return invalid;
  const why: string[] = [];
  if (imp.burst)
    why.push("burst: bursty (Gilbert-Elliott) loss; containerlab's netem has random loss only (--loss)");
  if ((imp.duplicatePct ?? 0) > 0) why.push("duplicatePct: containerlab's netem cannot duplicate packets");
  if ((imp.jitterMs ?? 0) > 0 && !(Math.round((imp.delayMs ?? 0) * 1000) > 0))
    why.push("jitterMs without delayMs: containerlab refuses jitter without a delay");
  if (imp.rateKbit != null && Math.round(imp.rateKbit) < 1)
    why.push(`rateKbit ${imp.rateKbit}: containerlab takes whole kbit/s, at least 1`);
  return why;
}

/**
 * `containerlab tools netem set` for one end of the link: every impairment at once (the command
 * replaces what the interface had). Delay and jitter as Go durations, loss in percent, rate in
 * whole kbit/s (rounded). `down` (a partition of this direction) is 100 % loss. Reordering is
 * netem's own: with jitter, netem lets packets overtake each other (the relay only does that
 * when `reorder` is set).
 */
export function netemArgv(container: string, iface: string, imp: Partial<Impairment>): string[] {
  if (!CONTAINER.test(container)) throw new LabError(`invalid container name ${JSON.stringify(container)}`);
  checkIface(iface);
  const why = unsupportedImpairment(imp);
  if (why.length)
    throw new LabError(`containerlab tools netem cannot apply this impairment: ${why.join("; ")}`);
  const argv = ["containerlab", "tools", "netem", "set", "-n", container, "-i", iface];
  const delay = imp.delayMs ?? 0;
  const jitter = imp.jitterMs ?? 0;
  if (Math.round(delay * 1000) > 0) argv.push("--delay", goDuration(delay));
  if (Math.round(jitter * 1000) > 0) argv.push("--jitter", goDuration(jitter));
  const loss = imp.down ? 100 : (imp.lossPct ?? 0);
  if (percent(loss) !== "0") argv.push("--loss", percent(loss));
  if (imp.rateKbit != null) argv.push("--rate", String(Math.round(imp.rateKbit)));
  return argv;
}

/** `containerlab tools netem reset`: no impairment on the interface (none there is fine). */
export function netemResetArgv(container: string, iface: string): string[] {
  if (!CONTAINER.test(container)) throw new LabError(`invalid container name ${JSON.stringify(container)}`);
  checkIface(iface);
  return ["containerlab", "tools", "netem", "reset", "-n", container, "-i", iface];
}
