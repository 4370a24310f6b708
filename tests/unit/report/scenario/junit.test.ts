import test from "ava";
import { toJUnit } from "../../../../lab/report/scenario/junit.ts";
import { escapeAttr, escapeXml, stripInvalidXml } from "../../../../lab/report/scenario/xml.ts";
import { coldStartReport } from "../../../fixtures/report/cold-start.ts";
import { hasForbiddenChars, hostileReport } from "../../../fixtures/report/hostile.ts";
import { interruptedReport } from "../../../fixtures/report/interrupted.ts";
import { vpnOutageReport } from "../../../fixtures/report/vpn-outage.ts";
import { xmlProblems } from "../../../fixtures/report/xml-check.ts";
import { assertGolden } from "../../../helpers/golden.ts";

const fixtures = [
  ["vpn-outage", vpnOutageReport],
  ["cold-start", coldStartReport],
  ["interrupted", interruptedReport],
] as const;

for (const [name, report] of fixtures) {
  test(`${name}: JUnit XML is well-formed and matches the golden file`, (t) => {
    const xml = toJUnit(report);
    t.deepEqual(xmlProblems(xml), []);
    assertGolden(t, `report/${name}.junit.xml`, xml);
  });
}

/** The attributes of the <tag> element whose name attribute is `name`. */
function attrsOf(xml: string, tag: string, name: string): Record<string, string> {
  for (const m of xml.matchAll(new RegExp(`<${tag} ([^>]*)>`, "g"))) {
    const attrs = Object.fromEntries([...(m[1] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((a) => [a[1], a[2]]));
    if (attrs.name === name) return attrs;
  }
  return {};
}

test("one testsuite per scenario run with counts and time in seconds", (t) => {
  const xml = toJUnit(vpnOutageReport);
  t.is(xml.split("<testsuite ").length - 1, 2);
  const seed = attrsOf(xml, "testsuite", "vpn-outage/seed");
  t.like(seed, { tests: "13", failures: "2", errors: "0", skipped: "0", time: "309.500" });
  const all = attrsOf(xml, "testsuites", "lab xsite");
  t.like(all, { tests: "26", failures: "2" });
});

test("a failed expect carries expected and seen; an out-of-bound metric its bound and why", (t) => {
  const xml = toJUnit(vpnOutageReport);
  t.true(
    xml.includes(
      `<failure message="expected router-mine/router_home Established&#10;10.42.3.0/24 in router-mine&apos;s FIB; seen router-mine/router_home Active`,
    ),
  );
  t.true(
    xml.includes(
      "expected: router-mine/router_home Established\n10.42.3.0/24 in router-mine&apos;s FIB\nseen: ",
    ),
  );
  t.true(
    xml.includes(
      `<failure message="reconverge_ms = 48,415 ms, outside &lt;= 30,000 ms" type="out-of-bound">`,
    ),
  );
});

test("unbounded metrics are not test cases; bounded ones without a value are skipped", (t) => {
  t.false(toJUnit(vpnOutageReport).includes("metric blackhole_ms"));
  const xml = toJUnit(interruptedReport);
  t.true(xml.includes(`<skipped message="no value (bound &lt;= 10,000 ms)" type="no-value"/>`));
});

test("errors and interruptions are reported as errors of their own test case", (t) => {
  const xml = toJUnit(interruptedReport);
  t.true(xml.includes(`<error message="router-home: bird did not answer on`));
  t.true(xml.includes(`<error message="run interrupted before the scenario finished" type="interrupted"/>`));
  t.like(attrsOf(xml, "testsuite", "router-crash/seed"), { errors: "1", skipped: "3" });
});

test("the live event lines are in system-out", (t) => {
  t.true(
    toJUnit(vpnOutageReport).includes(
      "[ 206.334s] session router-mine/router_home down (Hold timer expired)",
    ),
  );
});

test("hostile text is escaped and characters XML cannot hold are dropped", (t) => {
  const xml = toJUnit(hostileReport());
  t.deepEqual(xmlProblems(xml), []);
  t.false(xml.includes("<script"));
  t.false(xml.includes("</testcase> |"));
  t.true(xml.includes("&lt;script&gt;alert(1)&lt;/script&gt; &quot;q&quot; &apos;s&apos; ]]&gt;"));
  t.false(hasForbiddenChars(xml));
  t.false(xml.includes("\uFFFE"));
});

test("escaping: & < > \" ' in text and attributes, line breaks kept in attributes", (t) => {
  t.is(escapeXml(`a&b<c>"d"'e'\nf`), "a&amp;b&lt;c&gt;&quot;d&quot;&apos;e&apos;\nf");
  t.is(escapeAttr("a\nb\tc\rd"), "a&#10;b&#9;c&#13;d");
  t.is(stripInvalidXml("ok\u0000\u0008\u000b\uDFFF\uD800\uFFFE\uFFFF 😀\t"), "ok 😀\t");
});

test("the well-formedness check itself catches the usual breakages", (t) => {
  t.deepEqual(xmlProblems("<a><b></b></a>"), []);
  t.not(xmlProblems("<a><b></a></b>").length, 0);
  t.not(xmlProblems("<a>x & y</a>").length, 0);
  t.not(xmlProblems('<a t="<"/>').length, 0);
  t.not(xmlProblems("<a/><b/>").length, 0);
  t.not(xmlProblems("<a>\u0000</a>").length, 0);
  t.not(xmlProblems('<a x="1" x="2"/>').length, 0);
  t.not(xmlProblems("<a>").length, 0);
});
