// Checking guards on a snapshot (and, for metric guards, on the scenario figures of the same
// configs): the built-in ones, then the operator's, each a result with what is wrong.
import { relative } from "node:path";
import type { Snapshot } from "../snapshot/model.ts";
import type { Lab } from "../topology/model.ts";
import { builtinGuards } from "./builtin.ts";
import type { GuardResult, OperatorGuard } from "./model.ts";

/** A metric's values over the runs of a scenario; null when that scenario did not run. */
export type MetricValues = (scenario: string, metric: string) => (number | null)[] | null;

function title(g: OperatorGuard): string {
  switch (g.kind) {
    case "route":
      return `route ${g.prefix} at ${g.router}${g.via ? ` via ${g.via}` : ""}`;
    case "never":
      return `never ${g.prefix}${g.on ? ` on ${g.on.join(", ")}` : ""}`;
    case "session":
      return `session ${g.on} -> ${g.peer}${g.state === "established" ? " Established" : ""}`;
    case "metric":
      return `${g.scenario} ${g.metric}${g.min !== undefined ? ` >= ${g.min}` : ""}${g.max !== undefined ? ` <= ${g.max}` : ""}`;
  }
}

function check(
  g: OperatorGuard,
  s: Snapshot,
  metrics: MetricValues | undefined,
): { ok: boolean | null; problems: string[] } {
  const verdict = (problems: string[]) => ({ ok: problems.length === 0, problems });
  switch (g.kind) {
    case "route": {
      const r = s.routers.find((x) => x.router === g.router);
      if (!r || r.error)
        return verdict([`${g.router}: BIRD not answering${r?.error ? ` (${r.error})` : ""}`]);
      const best = r.routes.find((x) => x.prefix === g.prefix && x.best);
      if (!best) return verdict([`${g.prefix} is missing at ${g.router}`]);
      const via = best.nextHop ?? best.iface ?? "direct";
      return verdict(
        g.via && via !== g.via ? [`${g.prefix} at ${g.router} is via ${via}, not ${g.via}`] : [],
      );
    }
    case "never": {
      const where = (name: string) => !g.on || g.on.includes(name);
      const problems = [
        ...s.routers
          .filter((r) => where(r.router))
          .flatMap((r) => {
            const learned = r.routes.filter((x) => x.prefix === g.prefix).map((x) => x.protocol);
            const inFib = r.fib.some((f) => f.dst === g.prefix);
            return learned.length || inFib
              ? [
                  `${g.prefix} at ${r.router}${learned.length ? ` (from ${[...new Set(learned)].join(", ")})` : ""}${inFib ? " in the FIB" : ""}`,
                ]
              : [];
          }),
        ...s.nodes
          .filter((n) => where(n.node) && n.receives.includes(g.prefix))
          .map((n) => `${g.prefix} is sent to ${n.node}`),
      ];
      return verdict(problems);
    }
    case "session": {
      const r = s.routers.find((x) => x.router === g.on);
      const found = r
        ? r.sessions.find((x) => x.protocol === g.peer || x.peer === g.peer)?.state
        : s.nodes.find((n) => n.node === g.on)?.sessions.find((x) => x.peer === g.peer)?.state;
      if (found === undefined) return verdict([`${g.on} has no session to ${g.peer}`]);
      return verdict(
        g.state === "established" && found.toLowerCase() !== "established"
          ? [`${g.on} -> ${g.peer} is ${found}`]
          : [],
      );
    }
    case "metric": {
      const values = metrics?.(g.scenario, g.metric) ?? null;
      if (values === null) return { ok: null, problems: [`scenario ${g.scenario} did not run`] };
      const problems = values.flatMap((v, i) => {
        const run = values.length > 1 ? ` (run ${i + 1})` : "";
        if (v === null) return [`${g.metric} has no value${run}`];
        if (g.min !== undefined && v < g.min) return [`${g.metric} ${v} < ${g.min}${run}`];
        if (g.max !== undefined && v > g.max) return [`${g.metric} ${v} > ${g.max}${run}`];
        return [];
      });
      return verdict(problems);
    }
  }
}

export function checkOperatorGuards(
  guards: readonly OperatorGuard[],
  s: Snapshot,
  opts: { metrics?: MetricValues; relativeTo?: string } = {},
): GuardResult[] {
  return guards.map((g) => {
    const file = opts.relativeTo ? relative(opts.relativeTo, g.source.file) : g.source.file;
    return { name: `${file}:${g.source.line}: ${title(g)}`, source: g.source, ...check(g, s, opts.metrics) };
  });
}

export function checkGuards(
  s: Snapshot,
  lab: Lab,
  guards: readonly OperatorGuard[],
  metrics?: MetricValues,
): GuardResult[] {
  return [
    ...builtinGuards(s, lab),
    ...checkOperatorGuards(guards, s, { ...(metrics ? { metrics } : {}), relativeTo: lab.configDir }),
  ];
}

/** false when any guard failed (a guard not checked fails nothing). */
export const guardsHold = (results: readonly GuardResult[]) => results.every((g) => g.ok !== false);

export function formatGuards(results: readonly GuardResult[]): string {
  return results
    .map((g) => {
      const mark = g.ok === null ? "skip" : g.ok ? "ok  " : "FAIL";
      return [`${mark}  ${g.name}`, ...g.problems.map((p) => `        ${p}`)].join("\n");
    })
    .join("\n");
}
