// The ZeroTier link faults of the clab runtime, where the link is a plain veth `zt0` between
// the router containers.
//
// Outage: a real ZeroTier outage is silent (zt0 stays up and keeps its address; packets just
// stop arriving), so taking the veth down would be the wrong fault: BIRD would see the
// interface go and drop the session at once instead of waiting for its hold timer. Instead an
// nftables table in the receiving router's own namespace drops and counts what arrives on zt0
// from the cut senders (netdev family, ingress hook: before ARP, IP and BIRD see it). A sender
// is named by its zt0 MAC, the source of every frame it puts on the ZeroTier segment (BGP, ARP
// and forwarded pod traffic alike), so with three or more sites a cut of one direction or one
// pair leaves the other routers' paths alone, as the relay's per-direction partitions do on
// netns. nft runs inside the router container (the router image carries nftables), and needs
// nothing of tc (no prio or matchall, which some kernels lack).
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

export const ZT_FAULT_SET = "cut_from";

/** One direction of the ZeroTier link cut: what `from` sends does not reach `to`. */
export interface ZtCut {
  from: string;
  to: string;
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

function checkMac(mac: string): string {
  if (!MAC.test(mac)) throw new LabError(`invalid MAC address ${JSON.stringify(mac)}`);
  return mac;
}

/**
 * nft script (for `nft -f -`) creating the outage table: frames arriving on `iface` whose source
 * MAC is in the set are dropped and counted. Run only while the table is missing: run again, it
 * would add a second rule.
 */
export function cutTableScript(iface: string = ROUTER_ZT_IF): string {
  checkIface(iface);
  return [
    `table netdev ${ZT_FAULT_TABLE} {`,
    `  set ${ZT_FAULT_SET} { type ether_addr; }`,
    `  chain ${ZT_FAULT_CHAIN} {`,
    `    type filter hook ingress device "${iface}" priority 0;`,
    `    ether saddr @${ZT_FAULT_SET} counter drop`,
    "  }",
    "}",
    "",
  ].join("\n");
}

/** sh -c in a receiving router: the table made when missing (cutTableScript on stdin), then the
 * senders' MACs added to its set (adding one already there is fine). */
export function cutCommand(macs: readonly string[]): string[] {
  const elements = macs.map(checkMac).join(", ");
  const script = [
    `nft list table netdev ${ZT_FAULT_TABLE} >/dev/null 2>&1 || nft -f - || exit $?`,
    `nft add element netdev ${ZT_FAULT_TABLE} ${ZT_FAULT_SET} "{ $1 }"`,
  ].join("\n");
  return ["sh", "-c", script, "sh", elements];
}

/** sh -c in a receiving router: these senders' MACs out of the set (one not there is fine); the
 * table goes with the last of them, so a router with no cut left has none. */
export function mendCommand(macs: readonly string[]): string[] {
  for (const m of macs) checkMac(m);
  const script = [
    "command -v nft >/dev/null || exit 127",
    `nft list table netdev ${ZT_FAULT_TABLE} >/dev/null 2>&1 || exit 0`,
    `for m in "$@"; do nft delete element netdev ${ZT_FAULT_TABLE} ${ZT_FAULT_SET} "{ $m }" 2>/dev/null; done`,
    `nft list set netdev ${ZT_FAULT_TABLE} ${ZT_FAULT_SET} | grep -q "elements =" || nft delete table netdev ${ZT_FAULT_TABLE}`,
  ].join("\n");
  return ["sh", "-c", script, "sh", ...macs];
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

/** Runs an nft command (or a shell around nft) in a router; a failure names the router. */
async function nftIn(control: ElementExec, router: string, argv: string[], what: string, input?: string) {
  const r = await control.exec(router, argv, {
    timeoutMs: 10_000,
    ...(input !== undefined ? { input } : {}),
  });
  if (r.exitCode !== 0) throw nftError(router, what, r);
}

/** A router's zt0 MAC: the source of every frame it sends to the other routers. */
export async function ztMac(control: ElementExec, router: string, iface = ROUTER_ZT_IF): Promise<string> {
  checkIface(iface);
  const r = await control.exec(router, ["cat", `/sys/class/net/${iface}/address`], { timeoutMs: 10_000 });
  if (r.exitCode !== 0)
    throw new LabError(
      `reading ${iface}'s MAC in ${router}: ${(r.stderr || r.stdout).trim() || `exit ${r.exitCode}`}`,
    );
  return checkMac(r.stdout.trim());
}

/** The senders' MACs per receiving router. */
async function cutsByReceiver(
  control: ElementExec,
  cuts: readonly ZtCut[],
  iface: string,
): Promise<Map<string, string[]>> {
  const senders = [...new Set(cuts.map((c) => c.from))];
  const macs = new Map(
    await Promise.all(senders.map(async (s) => [s, await ztMac(control, s, iface)] as const)),
  );
  const byReceiver = new Map<string, string[]>();
  for (const c of cuts) {
    const list = byReceiver.get(c.to) ?? [];
    const mac = macs.get(c.from) as string;
    if (!list.includes(mac)) list.push(mac);
    byReceiver.set(c.to, list);
  }
  return byReceiver;
}

/** Runs, in each receiving router of `cuts` at once, the command for its senders' MACs. */
async function inEachReceiver(
  control: ElementExec,
  cuts: readonly ZtCut[],
  iface: string,
  command: (macs: readonly string[]) => string[],
  what: string,
  input?: string,
): Promise<void> {
  const byReceiver = await cutsByReceiver(control, cuts, iface);
  await eachRouter([...byReceiver.keys()], (r) =>
    nftIn(control, r, command(byReceiver.get(r) ?? []), what, input),
  );
}

/** Silent outage of these directions: what each `from` sends is dropped on arrival at its `to`
 * (zt0 stays up); cutting a direction already cut is fine. */
export function ztCut(control: ElementExec, cuts: readonly ZtCut[], iface = ROUTER_ZT_IF): Promise<void> {
  return inEachReceiver(control, cuts, iface, cutCommand, "installing the zt0 drop", cutTableScript(iface));
}

/** Ends the outage of these directions; one not cut is fine. */
export function ztMend(control: ElementExec, cuts: readonly ZtCut[], iface = ROUTER_ZT_IF): Promise<void> {
  return inEachReceiver(control, cuts, iface, mendCommand, "removing the zt0 drop");
}

/** Ends every outage in these routers; a router without one is fine. */
export function ztClear(control: ElementExec, routers: readonly string[]): Promise<void> {
  const script = removeScript();
  return eachRouter(routers, (r) => nftIn(control, r, ["nft", "-f", "-"], "removing the zt0 drop", script));
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
