// VPN failure detection: the hold timer on a silent ZeroTier failure, and BFD done halfway.
import test from "ava";
import {
  bfdOneSided,
  bfdWithoutProtocol,
  vpnFailureDetection,
} from "../../../../lab/lint/checks/vpn-failure.ts";
import { HOME, MINE, runCheck } from "../../../fixtures/lint/check.ts";

const FAST = "\n  hold time 9;\n  keepalive time 3;\n  error wait time 1,5;";
const BFD_PROTOCOL =
  '\nprotocol bfd {\n  interface "zt*" {\n    interval 100 ms;\n    multiplier 3;\n  };\n}\n';
const homeSession = (extra: string) => ({
  file: HOME,
  from: "template bgp router_peer {\n  local as 64515;",
  to: `template bgp router_peer {\n  local as 64515;${extra}`,
});
const mineSession = (extra: string) => ({
  file: MINE,
  from: "protocol bgp router_home {\n  local as 64513;",
  to: `protocol bgp router_home {\n  local as 64513;${extra}`,
});

test("vpn-failure-detection: BIRD's default timers lose up to 300 s, a warning at the session", async (t) => {
  const { found, line } = await runCheck(t, vpnFailureDetection);
  t.deepEqual(found, [
    `warn vpn-failure-detection ${HOME}:${line(HOME, "protocol bgp router_mine")}: VPN session router-home <-> router-mine: a silent ZeroTier failure is detected after 100-240 s by the hold timer (negotiated hold 240 s = min of 240 and 240; keepalive 80/80 s); after the link heals the session returns in 45-60 s (error wait 60 s): up to 300 s (5.0 min) of lost cross-site traffic, over the 30 s threshold`,
  ]);
});

test("vpn-failure-detection: short timers on both ends are no finding", async (t) => {
  t.deepEqual((await runCheck(t, vpnFailureDetection, [homeSession(FAST), mineSession(FAST)])).found, []);
});

test("bfd-without-protocol: bfd on with no protocol bfd warns at the bfd line; with one it does not", async (t) => {
  const { found, line } = await runCheck(t, bfdWithoutProtocol, [homeSession("\n  bfd on;")]);
  t.deepEqual(found, [
    `warn bfd-without-protocol ${HOME}:${line(HOME, "bfd on;")}: router-home's protocol router_mine asks for BFD, but the config has no \`protocol bfd\``,
  ]);
  const ok = [
    homeSession("\n  bfd on;"),
    { file: HOME, from: "protocol device {\n}\n", to: `protocol device {\n}\n${BFD_PROTOCOL}` },
  ];
  t.deepEqual((await runCheck(t, bfdWithoutProtocol, ok)).found, []);
});

test("bfd-one-sided: BFD on one end of the VPN session only warns at that end; on both it does not", async (t) => {
  const home = [
    homeSession("\n  bfd on;"),
    { file: HOME, from: "protocol device {\n}\n", to: `protocol device {\n}\n${BFD_PROTOCOL}` },
  ];
  const { found, line } = await runCheck(t, bfdOneSided, home);
  t.deepEqual(found, [
    `warn bfd-one-sided ${HOME}:${line(HOME, "bfd on;")}: BFD is on for router-home's side of the VPN session but not for router-mine's (protocol router_home)`,
  ]);
  const mine = [
    mineSession("\n  bfd on;"),
    { file: MINE, from: "protocol device {\n}\n", to: `protocol device {\n}\n${BFD_PROTOCOL}` },
  ];
  t.deepEqual((await runCheck(t, bfdOneSided, [...home, ...mine])).found, []);
});
