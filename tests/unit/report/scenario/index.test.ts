import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import {
  timelineSvg,
  toJson,
  toJUnit,
  toMarkdown,
  writeReports,
} from "../../../../lab/report/scenario/index.ts";
import { resultKeys, svgFileNames } from "../../../../lab/report/scenario/results.ts";
import { vpnOutageReport } from "../../../fixtures/report/vpn-outage.ts";

test("writeReports writes every format into a new directory and returns the paths", async (t) => {
  const base = await mkdtemp(join(tmpdir(), "report-"));
  t.teardown(() => rm(base, { recursive: true, force: true }));
  const dir = join(base, "run", "reports");
  const paths = await writeReports(vpnOutageReport, dir);
  t.deepEqual(paths, {
    json: join(dir, "report.json"),
    junit: join(dir, "junit.xml"),
    markdown: join(dir, "report.md"),
    svgs: [join(dir, "vpn-outage-seed.svg"), join(dir, "vpn-outage-bfd.svg")],
  });
  t.deepEqual((await readdir(dir)).sort(), [
    "junit.xml",
    "report.json",
    "report.md",
    "vpn-outage-bfd.svg",
    "vpn-outage-seed.svg",
  ]);
  t.is(await readFile(paths.json, "utf8"), toJson(vpnOutageReport));
  t.is(await readFile(paths.junit, "utf8"), toJUnit(vpnOutageReport));
  const links = { "vpn-outage/seed": "vpn-outage-seed.svg", "vpn-outage/bfd": "vpn-outage-bfd.svg" };
  t.is(await readFile(paths.markdown, "utf8"), toMarkdown(vpnOutageReport, { svgLinks: links }));
  const [seed] = vpnOutageReport.results;
  if (!seed) throw new Error("no seed run");
  t.is(await readFile(join(dir, "vpn-outage-seed.svg"), "utf8"), timelineSvg(seed));
});

test("SVG file names stay inside the directory and never collide", (t) => {
  const [seed] = vpnOutageReport.results;
  if (!seed) throw new Error("no seed run");
  const runs = [
    seed,
    seed,
    { ...seed, variant: "seed-2" },
    { ...seed, scenario: "../../etc", variant: "x y" },
    { ...seed, scenario: "..", variant: "" },
  ];
  const keys = resultKeys(runs);
  t.deepEqual(keys, ["vpn-outage/seed", "vpn-outage/seed #2", "vpn-outage/seed-2", "../../etc/x y", "../"]);
  const names = svgFileNames(keys);
  t.deepEqual(names, [
    "vpn-outage-seed.svg",
    "vpn-outage-seed-2.svg",
    "vpn-outage-seed-2~2.svg",
    "_-..-etc-x_y.svg",
    "_-.svg",
  ]);
  t.false(names.some((n) => n.includes("/")));
});
