// The bench-scale plot: what is drawn follows from the results (a marker per size and series,
// failed sizes named instead of plotted), every text is escaped, and the output is byte-stable.
import test from "ava";
import type { ScaleResult } from "../../../../lab/report/scale/model.ts";
import { niceMax, scalePlotSvg } from "../../../../lab/report/scale/svg.ts";

const r = (
  nodes: number,
  sites: number,
  convergedMs: number,
  extra: Partial<ScaleResult> = {},
): ScaleResult => ({
  nodes,
  sites,
  infraReadyMs: 500 + nodes * 10,
  daemonsReadyMs: 1000 + nodes * 20,
  convergedMs,
  downMs: 1000 + nodes * 5,
  peakMemMiB: 120 + nodes * 12,
  statusMs: 200 + nodes,
  statusComplete: true,
  leftNamespaces: 0,
  ...extra,
});

const results = [r(3, 2, 6000), r(25, 2, 9000), r(100, 2, 21000), r(4, 4, 8000), r(8, 8, 12000)];
const markers = (svg: string) => (svg.match(/<rect [^>]*width="5" height="5"/g) ?? []).length;

test("a marker per size and series: 5 series over two rows", (t) => {
  const svg = scalePlotSvg(results);
  t.true(svg.startsWith("<svg "));
  t.true(svg.trimEnd().endsWith("</svg>"));
  // Node row: the two-site sizes; site row: the sizes with one node a site.
  const nodeRow = results.filter((x) => x.sites === 2).length;
  const siteRow = results.filter((x) => x.nodes === x.sites).length;
  t.is(markers(svg), (nodeRow + siteRow) * 5);
  t.is((svg.match(/vs nodes over two sites/g) ?? []).length, 3);
  t.is((svg.match(/vs sites, one node each/g) ?? []).length, 3);
  t.regex(svg, /converged: 21 s at 100 nodes, 2 sites/);
  t.regex(svg, /all lab processes \(RSS\): 1320 MiB at 100 nodes/);
});

test("without a site sweep there is one row", (t) => {
  const svg = scalePlotSvg(results.filter((x) => x.sites === 2));
  t.is((svg.match(/vs sites, one node each/g) ?? []).length, 0);
  t.is(markers(svg), 3 * 5);
});

test("a failed size is named, escaped, and not plotted", (t) => {
  const svg = scalePlotSvg([...results, r(250, 2, 0, { error: 'budget <60 s> & "more"' })], "a & b");
  t.is(markers(svg), 5 * 5);
  t.true(svg.includes("failed: 250 nodes/2 sites (budget &lt;60 s&gt; &amp; &quot;more&quot;)"));
  t.true(svg.includes(">a &amp; b<"));
  t.false(/<60 s>/.test(svg));
});

test("the same results give the same bytes", (t) => {
  t.is(scalePlotSvg(results, "c"), scalePlotSvg([...results], "c"));
});

test("axes end at 1, 2 or 5 times a power of ten", (t) => {
  t.deepEqual([0, 0.3, 1, 1.2, 3, 7, 21, 250, 1320].map(niceMax), [1, 0.5, 1, 2, 5, 10, 50, 500, 2000]);
});

test("the proportional set size is plotted where the results have it, not as zero where they do not", (t) => {
  const withPss = results.map((x) => ({ ...x, peakPssMiB: x.peakMemMiB / 2 }));
  t.is(markers(scalePlotSvg(withPss)), markers(scalePlotSvg(results)) + results.length);
  t.regex(scalePlotSvg(withPss), /shared pages once \(PSS\): 660 MiB at 100 nodes/);
  t.notRegex(scalePlotSvg(results), /PSS\): /);
});

test("the picture has a title of its own, first", (t) => {
  const svg = scalePlotSvg(results, "gobgpd 3.36.0");
  t.regex(svg.split("\n")[1] ?? "", /^<title>make bench-scale: .*\(gobgpd 3\.36\.0\)<\/title>$/);
});
