// The lint on the unmodified real configs: exactly the findings the seed design really has.
import { relative } from "node:path";
import test from "ava";
import {
  type Finding,
  findingsJson,
  formatFindings,
  hasErrors,
  lintLab,
  summarizeFindings,
} from "../../../lab/lint/lint.ts";
import { loadLab } from "../../../lab/topology/load.ts";
import { lineOf, REAL_CONFIGS } from "../../fixtures/lint/lab-copy.ts";

const MINE = "routers/router-mine/bird.conf";
const HOME = "routers/router-home/bird.conf";
const NETWORKS = "k8s/cilium/networks.yaml";
const PEER_CONFIG = "k8s/cilium/peer-config.yaml";

const line = (file: string, needle: string, after?: string) => lineOf(REAL_CONFIGS, file, needle, after);
const where = (f: Finding) => `${f.severity} ${f.id} ${relative(REAL_CONFIGS, f.file)}:${f.line}`;

test("the seed's findings, exactly", async (t) => {
  const findings = lintLab(await loadLab());
  t.deepEqual(findings.map(where), [
    `info nodes-share-asn ${NETWORKS}:${line(NETWORKS, "localASN: 64514")}`,
    `warn node-redial-delay ${PEER_CONFIG}:${line(PEER_CONFIG, "connectRetryTimeSeconds: 120")}`,
    `warn graceful-restart-off ${PEER_CONFIG}:${line(PEER_CONFIG, "enabled: false")}`,
    `info direct-all-interfaces ${HOME}:${line(HOME, 'interface "*"')}`,
    `info session-type ${HOME}:${line(HOME, "neighbor 192.168.0.81 as 64514")}`,
    `warn vpn-failure-detection ${HOME}:${line(HOME, "protocol bgp router_mine")}`,
    `info direct-all-interfaces ${MINE}:${line(MINE, 'interface "*"')}`,
    `info session-type ${MINE}:${line(MINE, "neighbor 192.168.6.80 as 64514")}`,
    `info session-type ${MINE}:${line(MINE, "neighbor 192.168.6.81 as 64514")}`,
  ]);
  t.false(hasErrors(findings));
  t.is(summarizeFindings(findings), "0 errors, 3 warnings, 6 info");
});

test("seed: the nodes only dial out and redial every 120 s, so a router restart costs up to 240 s", async (t) => {
  const f = lintLab(await loadLab()).find((x) => x.id === "node-redial-delay");
  t.regex(
    f?.message ?? "",
    /yuuko-k8s, sakamoto, nano only dial out \(no localPort\) and redial every 120 s/,
  );
  t.regex(f?.consequence ?? "", /120-240 s later/);
  t.regex(f?.fix ?? "", /`localPort: 179`.*CAP_NET_BIND_SERVICE/, "listening on 179 needs the capability");
});

test("seed: protocol direct takes every interface, and the note names the networks that brings in", async (t) => {
  const home = lintLab(await loadLab()).find(
    (f) => f.id === "direct-all-interfaces" && f.file.endsWith(HOME),
  );
  t.regex(
    home?.consequence ?? "",
    /the LAN 192\.168\.0\.0\/24 and the ZeroTier network 192\.168\.191\.0\/24/,
  );
  t.regex(home?.consequence ?? "", /WAN uplink, the management network and any Docker networks/);
});

test("seed: the VPN session's numbers (hold 240 s, ~4-5 min blackhole)", async (t) => {
  const vpn = lintLab(await loadLab()).find((f) => f.id === "vpn-failure-detection");
  t.truthy(vpn);
  t.regex(vpn?.message ?? "", /router-home <-> router-mine/);
  t.regex(vpn?.message ?? "", /detected after 100-240 s by the hold timer \(negotiated hold 240 s/);
  t.regex(vpn?.message ?? "", /keepalive 80\/80 s/);
  t.regex(vpn?.message ?? "", /returns in 45-60 s \(error wait 60 s\)/);
  t.regex(vpn?.message ?? "", /up to 300 s \(5\.0 min\).*over the 30 s threshold/);
  t.regex(vpn?.consequence ?? "", /120 s connect retry/);
});

test("seed: session types name eBGP and what it changes", async (t) => {
  const types = lintLab(await loadLab()).filter((f) => f.id === "session-type");
  t.deepEqual(
    types.map((f) => f.message),
    [
      "router-home <-> yuuko-k8s is eBGP (AS 64515 vs AS 64514)",
      "router-mine <-> sakamoto is eBGP (AS 64513 vs AS 64514)",
      "router-mine <-> nano is eBGP (AS 64513 vs AS 64514)",
    ],
  );
  t.regex(types[1]?.consequence ?? "", /next hop.*prepends AS 64513.*LOCAL_PREF is not carried/);
  t.regex(types[1]?.fix ?? "", /diagram calls Router-Mine <-> sakamoto iBGP/);
});

test("seed: graceful restart and shared ASN", async (t) => {
  const findings = lintLab(await loadLab());
  const gr = findings.find((f) => f.id === "graceful-restart-off");
  t.regex(gr?.message ?? "", /l3-bgp-peer-config .*nodes yuuko-k8s, sakamoto, nano/);
  t.regex(gr?.fix ?? "", /gracefulRestart: \{enabled: true\}/);
  const asn = findings.find((f) => f.id === "nodes-share-asn");
  t.is(asn?.message, "nodes yuuko-k8s, sakamoto, nano all speak AS 64514");
  t.regex(asn?.consequence ?? "", /AS-path loop.*Cilium imports nothing.*default route/);
});

test("a larger threshold silences the VPN warning", async (t) => {
  const ids = lintLab(await loadLab(), { blackholeThresholdSeconds: 300 }).map((f) => f.id);
  t.false(ids.includes("vpn-failure-detection"));
  const ids299 = lintLab(await loadLab(), { blackholeThresholdSeconds: 299 }).map((f) => f.id);
  t.true(ids299.includes("vpn-failure-detection"));
});

test("formatFindings: one block per finding; findingsJson: the array, with lint's severity words", async (t) => {
  const findings = lintLab(await loadLab());
  const text = formatFindings(findings, { relativeTo: REAL_CONFIGS });
  const lines = text.split("\n");
  t.is(lines.length, findings.length * 3);
  t.is(
    lines[0],
    `${NETWORKS}:${line(NETWORKS, "localASN: 64514")}:17: info nodes-share-asn: ${findings[0]?.message}`,
  );
  t.true(lines[1]?.startsWith("    consequence: "));
  t.true(lines[2]?.startsWith("    fix: "));
  // Lint writes "warning" where the shared severity says "warn", in text and JSON alike.
  t.true(text.includes(": warning node-redial-delay: "));
  const json = JSON.parse(findingsJson(findings)) as Record<string, unknown>[];
  t.deepEqual(
    json,
    findings.map((f) => ({ ...f, severity: f.severity === "warn" ? "warning" : f.severity })),
  );
  t.deepEqual(
    json.map((f) => f.severity),
    ["info", "warning", "warning", "info", "info", "warning", "info", "info", "info"],
  );
  t.deepEqual(Object.keys(json[0] ?? {}), [
    "id",
    "severity",
    "file",
    "line",
    "col",
    "message",
    "consequence",
    "fix",
  ]);
  for (const f of findings) {
    t.deepEqual(Object.keys(f).sort(), [
      "col",
      "consequence",
      "file",
      "fix",
      "id",
      "line",
      "message",
      "severity",
    ]);
    t.regex(f.id, /^[a-z]+(-[a-z0-9]+)*$/);
    t.false(f.consequence.includes("\n"));
  }
});
