// Impairments `containerlab tools netem` cannot express (it takes delay, jitter, loss, rate and
// corruption), applied with tc's netem qdisc inside the router container instead: bursty
// (Gilbert-Elliott) loss maps one to one onto netem's `loss gemodel p r 1-h 1-k`, duplication
// onto `duplicate`. Like containerlab's, the qdisc is egress only, so each sending end gets one.
import type { Impairment } from "../../emulate/zerotier/impairment.ts";

/** Whether an impairment needs tc directly (containerlab's netem flags cannot carry it). */
export function needsTcNetem(imp: Partial<Impairment>): boolean {
  return Boolean(imp.burst) || (imp.duplicatePct ?? 0) > 0;
}

const pct = (n: number) => `${Number(n.toFixed(4))}%`;

/** `tc qdisc replace dev IFACE root netem ...` for the whole impairment. */
export function tcNetemArgv(iface: string, imp: Partial<Impairment>): string[] {
  const argv = ["tc", "qdisc", "replace", "dev", iface, "root", "netem"];
  if (imp.delayMs || imp.jitterMs) {
    argv.push("delay", `${imp.delayMs ?? 0}ms`);
    if (imp.jitterMs) argv.push(`${imp.jitterMs}ms`);
  }
  if (imp.burst) {
    const b = imp.burst;
    argv.push(
      "loss",
      "gemodel",
      pct(b.pEnterBad),
      pct(b.pLeaveBad),
      pct(b.lossInBadPct),
      pct(b.lossInGoodPct),
    );
  } else if (imp.lossPct) {
    argv.push("loss", pct(imp.lossPct));
  }
  if (imp.duplicatePct) argv.push("duplicate", pct(imp.duplicatePct));
  if (imp.rateKbit) argv.push("rate", `${imp.rateKbit}kbit`);
  return argv;
}

/** Removes the qdisc again; "no such qdisc" is the caller's to ignore. */
export function tcNetemResetArgv(iface: string): string[] {
  return ["tc", "qdisc", "del", "dev", iface, "root"];
}
