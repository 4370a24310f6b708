// The diff as JUnit XML for CI test views: a suite of the head's guards (failed, passed or
// skipped), a suite of differences (a difference fails when the verdict counts it: reachability
// lost, every difference with --fail-on-change, an undeclared one with --intent), and a case per
// declared change that did not happen.
import type { DiffReport } from "../../diff/model.ts";
import { escapeAttr, escapeXml } from "../scenario/xml.ts";

interface Case {
  name: string;
  failure?: string;
  skipped?: string;
}

function suite(name: string, cases: Case[]): string {
  const failures = cases.filter((c) => c.failure !== undefined).length;
  const skipped = cases.filter((c) => c.skipped !== undefined).length;
  return [
    `  <testsuite name="${escapeAttr(name)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}">`,
    ...cases.map((c) => {
      const open = `    <testcase classname="${escapeAttr(name)}" name="${escapeAttr(c.name)}"`;
      if (c.failure !== undefined)
        return `${open}>\n      <failure message="${escapeAttr(c.failure.split("\n")[0] ?? "")}">${escapeXml(c.failure)}</failure>\n    </testcase>`;
      if (c.skipped !== undefined)
        return `${open}>\n      <skipped message="${escapeAttr(c.skipped)}"/>\n    </testcase>`;
      return `${open}/>`;
    }),
    "  </testsuite>",
  ].join("\n");
}

export function diffJUnit(r: DiffReport): string {
  const undeclared = new Set(r.intent?.undeclared ?? []);
  const guards: Case[] = r.guards.map((g) => ({
    name: g.name,
    ...(g.ok === false
      ? { failure: g.problems.join("\n") }
      : g.ok === null
        ? { skipped: g.problems.join("; ") }
        : {}),
  }));
  const differences: Case[] = r.differences.map((d) => {
    const why =
      / lost$/.test(d) && d.startsWith("reachability ")
        ? "reachability lost"
        : r.failOnChange
          ? "a difference (--fail-on-change)"
          : undeclared.has(d)
            ? "not declared in the intent"
            : undefined;
    return { name: d, ...(why ? { failure: why } : {}) };
  });
  if (!differences.length) differences.push({ name: "no change in routing or behaviour" });
  const intent: Case[] = (r.intent?.unmet ?? []).map((u) => ({
    name: `declared: ${u}`,
    failure: "did not happen",
  }));
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="lab diff ${escapeAttr(r.base.ref)} -> ${escapeAttr(r.head.ref)}">`,
    suite("guards on head", guards),
    suite("differences", differences),
    ...(intent.length ? [suite("intent", intent)] : []),
    `</testsuites>`,
    "",
  ].join("\n");
}
