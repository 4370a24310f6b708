// The lint's BIRD 2 config reader: tokens, comments, includes, template inheritance, defaults.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import {
  type BirdConfig,
  type BirdProtocol,
  BirdSyntaxError,
  parseBirdConfig,
  readBirdConfig,
} from "../../../lab/lint/bird-conf.ts";
import { tokenize } from "../../../lab/lint/bird-tokens.ts";
import { estimateDetection, sessionEnd } from "../../../lab/lint/failure-detection.ts";

const FIXTURES = fileURLToPath(new URL("../../fixtures/lint/bird/", import.meta.url));
const MAIN = join(FIXTURES, "main.conf");
const REAL = fileURLToPath(new URL("../../../configs/routers/", import.meta.url));

const birdInstalled = spawnSync("bird", ["--version"]).status === 0;

function protocol(conf: BirdConfig, name: string): BirdProtocol {
  const p = conf.protocols.find((x) => x.name === name);
  if (!p) throw new Error(`no protocol ${name}`);
  return p;
}

const where = (at: { file: string; line: number }) => `${at.file.slice(FIXTURES.length)}:${at.line}`;

test("the fixture is a config BIRD itself accepts", (t) => {
  if (!birdInstalled) return t.pass("bird not installed");
  const r = spawnSync("bird", ["-p", "-c", MAIN], { encoding: "utf8" });
  t.is(r.status, 0, r.stderr);
});

test("tokenizer: comments, strings, punctuation and positions", (t) => {
  const toks = tokenize('a /* x\n y */ b; # c { \n"s # t" != 1.2.3.4/24;', "f");
  t.deepEqual(
    toks.map((x) => `${x.kind}:${x.text}@${x.at.line}:${x.at.col}`),
    [
      "word:a@1:1",
      "word:b@2:7",
      "punct:;@2:8",
      "string:s # t@3:1",
      "punct:!=@3:9",
      "word:1.2.3.4@3:12",
      "punct:/@3:19",
      "word:24@3:20",
      "punct:;@3:22",
    ],
  );
});

test("tokenizer: unterminated comment and string are errors at their start", (t) => {
  const c = t.throws(() => tokenize("a;\n  /* open", "f"), { instanceOf: BirdSyntaxError });
  t.deepEqual([c?.at.line, c?.at.col], [2, 3]);
  const s = t.throws(() => tokenize('x "open', "f"), { instanceOf: BirdSyntaxError });
  t.deepEqual([s?.at.line, s?.at.col], [1, 3]);
});

test("router id, protocols in order, comments ignored (no ghost protocol)", (t) => {
  const conf = readBirdConfig(MAIN);
  t.is(conf.routerId?.value, "10.0.0.1");
  t.is(conf.routerId?.at.line, 4);
  t.deepEqual(
    conf.protocols.map((p) => `${p.type} ${p.name}`),
    ["device device1", "kernel kernel1", "bfd bfd1", "bgp peer_a", "bgp bgp1"],
  );
  t.deepEqual(
    conf.templates.map((p) => p.name),
    ["common", "edge"],
  );
});

test("includes: relative to the including file, nested, wildcard in name order", (t) => {
  const conf = readBirdConfig(MAIN);
  t.is(where(protocol(conf, "peer_a").at), "peers/a.conf:1");
  t.is(where(protocol(conf, "bgp1").at), "peers/b.conf:1");
  const common = conf.templates.find((x) => x.name === "common");
  t.is(common && where(common.at), "inc/common.conf:1");
});

test("templates: chain resolved, options inherited with their own positions, channels merged", (t) => {
  const conf = readBirdConfig(MAIN);
  const a = protocol(conf, "peer_a");
  t.deepEqual(a.from, ["edge", "common"]);
  const b = a.bgp;
  t.truthy(b);
  if (!b) return;
  // local as comes from `common` through a define, written in inc/common.conf.
  t.is(b.localAs?.value, 65001);
  t.is(b.localAs && where(b.localAs.at), "inc/common.conf:2");
  t.is(b.neighborAddress?.value, "10.0.0.2");
  t.is(b.neighborAs?.value, 65002);
  t.is(b.holdTime?.value, 30);
  t.is(b.keepaliveTime?.value, 10);
  t.deepEqual(b.errorWaitTime?.value, [5, 50]);
  t.is(b.errorWaitTime && where(b.errorWaitTime.at), "inc/templates.conf:7");
  t.is(b.gracefulRestart?.value, "on");
  t.deepEqual(b.bfd?.value, { enabled: true, options: {} });
  t.is(b.connectRetryTime, null);
  t.is(b.multihop, null);
  // The channel keeps the template's import and takes the protocol's export.
  t.is(a.channels.length, 1);
  const ch = a.channels[0];
  t.is(ch?.name, "ipv4");
  t.is(ch?.import?.value, "all");
  t.is(ch?.import && where(ch.import.at), "inc/common.conf:5");
  t.is(ch?.export?.value, "where net ~ [ 10.42.0.0 / 16 + ]");
  t.is(ch?.export && where(ch.export.at), "peers/a.conf:5");
  t.true(ch?.nextHopSelf);
});

test("local/neighbor fields, internal, direct, bfd block, graceful restart aware", (t) => {
  const b = protocol(readBirdConfig(MAIN), "bgp1").bgp;
  if (!b) return t.fail();
  t.is(b.localAddress?.value, "10.0.0.1");
  t.is(b.localAs?.value, 65001);
  t.is(b.neighborAs?.value, 65001);
  t.is(b.neighborType?.value, "internal");
  t.is(b.multihop?.value, 0);
  t.deepEqual(b.bfd?.value, { enabled: true, options: { minRxMs: 50, minTxMs: 50, multiplier: 4 } });
  t.is(b.gracefulRestart?.value, "aware");
  const ch = protocol(readBirdConfig(MAIN), "bgp1").channels[0];
  t.is(ch?.export?.value, "none");
  t.false(ch?.nextHopSelf);
});

test("kernel filter text and bfd interface blocks", (t) => {
  const conf = readBirdConfig(MAIN);
  const k = protocol(conf, "kernel1").channels[0];
  t.is(k?.export?.value, "filter { if source = RTS_DEVICE then reject ; accept ; }");
  t.deepEqual(
    protocol(conf, "bfd1").bfdInterfaces?.map((i) => [i.pattern, i.options]),
    [
      ["zt*", { minRxMs: 100, minTxMs: 100, multiplier: 3 }],
      ["eth*", { minRxMs: 1000 }],
    ],
  );
});

test("a channel without a block and a protocol without channels", (t) => {
  const conf = parseBirdConfig(
    'protocol direct { ipv4; interface "*"; }\nprotocol bgp x { local as 1; neighbor 10.0.0.2 as 2; }\n',
    "/virtual/bird.conf",
  );
  t.deepEqual(
    protocol(conf, "direct1").channels.map((c) => [c.name, c.import, c.export]),
    [["ipv4", null, null]],
  );
  t.deepEqual(protocol(conf, "x").channels, []);
});

test("import limit and keep filtered are not import policies", (t) => {
  const conf = parseBirdConfig(
    "protocol bgp x { local as 1; neighbor 10.0.0.2 as 2; ipv4 { import limit 100; import keep filtered; export all; }; }",
    "/virtual/bird.conf",
  );
  const ch = protocol(conf, "x").channels[0];
  t.is(ch?.import, null);
  t.is(ch?.export?.value, "all");
  t.true(ch?.options.has("import limit"));
});

test("errors carry the position: missing include, undefined template, unbalanced braces, include loop", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "lint-bird-"));
  try {
    const f = join(dir, "bird.conf");
    writeFileSync(f, 'router id 1.1.1.1;\n  include "nope.conf";\n');
    const e1 = t.throws(() => readBirdConfig(f), { instanceOf: BirdSyntaxError });
    t.deepEqual([e1?.at.file, e1?.at.line, e1?.at.col], [f, 2, 3]);
    t.regex(e1?.reason ?? "", /nope\.conf/);

    writeFileSync(f, "protocol bgp x from missing {\n}\n");
    const e2 = t.throws(() => readBirdConfig(f), { instanceOf: BirdSyntaxError });
    t.is(e2?.at.line, 1);
    t.regex(e2?.reason ?? "", /template "missing"/);

    writeFileSync(f, "protocol device {\n");
    t.is(t.throws(() => readBirdConfig(f), { instanceOf: BirdSyntaxError })?.at.line, 1);
    writeFileSync(f, "protocol device { }\n}\n");
    t.is(t.throws(() => readBirdConfig(f), { instanceOf: BirdSyntaxError })?.at.line, 2);

    writeFileSync(f, 'include "bird.conf";\n');
    t.regex(t.throws(() => readBirdConfig(f), { instanceOf: BirdSyntaxError })?.reason ?? "", /include loop/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the real configs: seed values and BIRD's defaults where nothing is written", (t) => {
  const mine = readBirdConfig(join(REAL, "router-mine/bird.conf"));
  const home = readBirdConfig(join(REAL, "router-home/bird.conf"));
  t.is(mine.routerId?.value, "192.168.6.1");
  t.is(home.routerId?.value, "192.168.191.10");
  const toHome = protocol(mine, "router_home");
  t.true(toHome.channels[0]?.nextHopSelf);
  t.deepEqual(
    mine.protocols
      .filter((p) => p.bgp)
      .map((p) => [p.name, p.bgp?.localAs?.value, p.bgp?.neighborAddress?.value]),
    [
      ["router_home", 64513, "192.168.191.10"],
      ["sakamoto", 64513, "192.168.6.80"],
      ["nano", 64513, "192.168.6.81"],
    ],
  );
  const end = sessionEnd(toHome.bgp as NonNullable<BirdProtocol["bgp"]>, null);
  t.deepEqual(end, {
    holdTime: 240,
    keepaliveTime: null,
    connectRetryTime: 120,
    errorWaitTime: [60, 300],
    bfd: null,
  });
});

test("failure detection: defaults, negotiation, scaled keepalive, BFD, hold 0", (t) => {
  const base = {
    holdTime: 240,
    keepaliveTime: null,
    connectRetryTime: 120,
    errorWaitTime: [60, 300],
    bfd: null,
  } as const;
  const d = estimateDetection(base, base);
  t.deepEqual(
    [d.negotiatedHold, d.keepalive, d.detection.earliest, d.detection.worst],
    [240, [80, 80], 100, 240],
  );
  t.deepEqual([d.recovery.earliest, d.recovery.worst, d.blackholeSeconds], [45, 60, 300]);
  // The smaller hold wins; a configured keepalive is scaled by the same factor (BIRD's OPEN handling).
  const fast = { ...base, holdTime: 9, keepaliveTime: 3, errorWaitTime: [1, 5] as const };
  const mixed = estimateDetection({ ...base, keepaliveTime: 60 }, fast);
  t.deepEqual([mixed.negotiatedHold, mixed.keepalive], [9, [2, 3]]);
  t.is(mixed.detection.worst, 9);
  t.is(mixed.recovery.worst, 60);
  const bfd = { minRxMs: 100, minTxMs: 100, multiplier: 3 };
  const withBfd = estimateDetection({ ...fast, bfd }, { ...fast, bfd });
  t.is(withBfd.detection.by, "bfd");
  t.is(withBfd.detection.worst, 0.3);
  t.is(withBfd.blackholeSeconds, 1.3);
  const never = estimateDetection({ ...base, holdTime: 0 }, base);
  t.is(never.detection.by, "nothing");
  t.is(never.blackholeSeconds, Number.POSITIVE_INFINITY);
});
