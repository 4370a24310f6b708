// Naming every difference (one line each, what --intent patterns match) and the verdict: exit 0
// when every guard holds and no reachability was lost, 1 otherwise, or on any difference with
// --fail-on-change, or on an undeclared (or unmet) difference with --intent.
import { guardsHold } from "../guards/check.ts";
import type { SnapshotDiff } from "./compare.ts";
import type { DiffReport } from "./model.ts";

export function differenceNames(
  d: SnapshotDiff,
  metrics: DiffReport["metrics"],
  status: DiffReport["scenarioStatus"],
  settled: { base: boolean | null; head: boolean | null },
): string[] {
  const out: string[] = [];
  if (settled.base !== null && settled.head !== null && settled.base !== settled.head)
    out.push(`converged ${settled.base ? "yes" : "no"} -> ${settled.head ? "yes" : "no"}`);
  for (const s of d.sessions) out.push(`session ${s.on} ${s.session} ${s.change}`);
  for (const r of d.routes) out.push(`route ${r.router} ${r.prefix} ${r.protocol} ${r.change}`);
  for (const e of d.exports) out.push(`export ${e.router} ${e.session} ${e.prefix} ${e.change}`);
  for (const f of d.fib) out.push(`fib ${f.router} ${f.dst} ${f.change}`);
  for (const n of d.nodeRoutes) out.push(`node ${n.node} ${n.direction} ${n.prefix} ${n.change}`);
  for (const p of d.reachability) out.push(`reachability ${p.from} ${p.to} ${p.probe} ${p.change}`);
  for (const m of metrics) if (m.changed) out.push(`metric ${m.scenario}/${m.variant} ${m.metric} changed`);
  for (const s of status) {
    const b = [...new Set(s.base)].join(",");
    const h = [...new Set(s.head)].join(",");
    if (s.base.length && s.head.length && b !== h)
      out.push(`scenario ${s.scenario}/${s.variant} ${b} -> ${h}`);
  }
  return out;
}

export function decide(
  r: Pick<DiffReport, "guards" | "changes" | "differences" | "intent" | "interrupted" | "error">,
  opts: { failOnChange: boolean },
): DiffReport["verdict"] {
  if (r.interrupted) return { exit: 130, failures: ["interrupted"] };
  const failures: string[] = [];
  if (r.error) failures.push(`the diff did not complete: ${r.error}`);
  if (!guardsHold(r.guards))
    failures.push(`guards failed on head: ${r.guards.filter((g) => g.ok === false).length}`);
  const lost = r.changes.reachability.filter((p) => p.change === "lost");
  if (lost.length) failures.push(`reachability lost: ${lost.length} pod pair probe(s)`);
  if (opts.failOnChange && r.differences.length)
    failures.push(`${r.differences.length} difference(s) (--fail-on-change)`);
  if (r.intent?.undeclared.length)
    failures.push(`${r.intent.undeclared.length} difference(s) not declared in the intent`);
  if (r.intent?.unmet.length) failures.push(`${r.intent.unmet.length} declared change(s) did not happen`);
  return { exit: failures.length ? 1 : 0, failures };
}
