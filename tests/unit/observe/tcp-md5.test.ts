import { readFileSync } from "node:fs";
import test from "ava";
import { md5Cause, parseMd5Drops } from "../../../lab/observe/tcp-md5.ts";
import { loadLab } from "../../../lab/topology/load.ts";

const seed = await loadLab();
const yuuko = seed.nodes.find((n) => n.name === "yuuko-k8s");

test("the MD5 counters are read from this kernel's own /proc/net/netstat layout", (t) => {
  const drops = parseMd5Drops(readFileSync("/proc/net/netstat", "utf8"));
  for (const v of Object.values(drops)) t.true(Number.isInteger(v) && v >= 0);
});

test("each MD5 counter is taken from its column of the TcpExt lines", (t) => {
  const text = [
    "TcpExt: SyncookiesSent TCPMD5NotFound TCPMD5Unexpected TCPMD5Failure TCPAOGood",
    "TcpExt: 4 9 2 7 1",
    "IpExt: InNoRoutes",
    "IpExt: 3",
  ].join("\n");
  t.deepEqual(parseMd5Drops(text), { notFound: 9, unexpected: 2, failure: 7 });
  t.deepEqual(parseMd5Drops(""), { notFound: 0, unexpected: 0, failure: 0 });
});

test("no MD5 drop, no MD5 cause", (t) => {
  t.is(md5Cause("router-home", { notFound: 0, unexpected: 0, failure: 0 }, yuuko), null);
});

test("a router with a password and a speaker without: the missing signature and the missing authSecretRef", (t) => {
  const cause = md5Cause("router-home", { notFound: 9, unexpected: 0, failure: 0 }, yuuko) ?? "";
  t.regex(
    cause,
    /^likely cause: TCP MD5 mismatch; router-home's kernel silently dropped segments: 9 without the MD5 signature its password requires \(TcpExtTCPMD5NotFound\)/,
  );
  t.regex(cause, /yuuko-k8s's speaker signs nothing \(its CiliumBGPPeerConfig has no authSecretRef\)/);
  t.regex(cause, /BIRD reports no error for it/);
});

test("a signing speaker and a router without a password: the unexpected signature", (t) => {
  const cause = md5Cause("router-home", { notFound: 0, unexpected: 3, failure: 0 }, yuuko) ?? "";
  t.regex(cause, /3 signed although it has no password for the sender \(TcpExtTCPMD5Unexpected\)/);
});
