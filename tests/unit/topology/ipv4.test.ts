import test from "ava";
import {
  contains,
  containsCidr,
  fromInt,
  hasHostBits,
  hostCount,
  isIPv4,
  isNetworkOrBroadcast,
  nthHost,
  overlaps,
  parseCidr,
  toInt,
} from "../../../lab/topology/ipv4.ts";
import type { Cidr } from "../../../lab/topology/model.ts";

function cidr(text: string): Cidr {
  const c = parseCidr(text);
  if (!c) throw new Error(`test setup: ${text} does not parse`);
  return c;
}

test("isIPv4 accepts dotted quads and nothing else", (t) => {
  for (const ok of ["0.0.0.0", "255.255.255.255", "192.168.0.1", "10.42.3.10", "1.2.3.4"]) {
    t.true(isIPv4(ok), ok);
  }
  for (const bad of [
    "",
    "256.0.0.1",
    "1.2.3",
    "1.2.3.4.5",
    "01.2.3.4", // leading zeros read as octal by some tools: refused
    "1.2.3.04",
    "1.2.3.-1",
    " 1.2.3.4",
    "1.2.3.4 ",
    "1.2.3.4/24",
    "a.b.c.d",
    "::1",
    "1..2.3",
  ]) {
    t.false(isIPv4(bad), JSON.stringify(bad));
  }
});

test("toInt and fromInt round-trip, including the extremes (no 32-bit sign trouble)", (t) => {
  t.is(toInt("0.0.0.0"), 0);
  t.is(toInt("255.255.255.255"), 2 ** 32 - 1);
  t.is(toInt("192.168.0.1"), 0xc0a80001);
  t.is(toInt("128.0.0.0"), 2 ** 31);
  for (const a of ["0.0.0.0", "255.255.255.255", "128.0.0.0", "10.42.3.10", "192.168.191.12"]) {
    t.is(fromInt(toInt(a)), a);
  }
});

test("parseCidr: valid prefixes, network computed with host bits cleared", (t) => {
  t.deepEqual(parseCidr("10.42.0.0/16"), { text: "10.42.0.0/16", network: "10.42.0.0", prefixLength: 16 });
  t.deepEqual(parseCidr("10.42.3.7/24"), { text: "10.42.3.7/24", network: "10.42.3.0", prefixLength: 24 });
  t.deepEqual(parseCidr("0.0.0.0/0"), { text: "0.0.0.0/0", network: "0.0.0.0", prefixLength: 0 });
  t.deepEqual(parseCidr("255.255.255.255/0"), {
    text: "255.255.255.255/0",
    network: "0.0.0.0",
    prefixLength: 0,
  });
  t.deepEqual(parseCidr("192.168.0.81/32"), {
    text: "192.168.0.81/32",
    network: "192.168.0.81",
    prefixLength: 32,
  });
  t.is(parseCidr("255.255.255.255/1")?.network, "128.0.0.0");
  t.is(parseCidr("192.168.6.255/23")?.network, "192.168.6.0");
  t.is(parseCidr("192.168.7.1/23")?.network, "192.168.6.0");
});

test("parseCidr: malformed prefixes are null", (t) => {
  for (const bad of [
    "",
    "10.42.0.0",
    "10.42.0.0/",
    "10.42.0.0/33",
    "10.42.0.0/100",
    "10.42.0.0/-1",
    "10.42.0/16",
    "300.42.0.0/16",
    "10.42.0.0/16/16",
    "/16",
    "10.42.0.0 /16",
  ]) {
    t.is(parseCidr(bad), null, JSON.stringify(bad));
  }
});

test("hasHostBits", (t) => {
  t.false(hasHostBits(cidr("10.42.0.0/16")));
  t.false(hasHostBits(cidr("0.0.0.0/0")));
  t.false(hasHostBits(cidr("192.168.0.81/32")));
  t.true(hasHostBits(cidr("10.42.1.5/24")));
  t.true(hasHostBits(cidr("10.42.1.0/16")));
  t.true(hasHostBits(cidr("192.168.7.0/23")));
  t.true(hasHostBits(cidr("0.0.0.1/0")));
});

test("contains: boundaries of the prefix", (t) => {
  const lan = cidr("192.168.6.0/24");
  t.true(contains(lan, "192.168.6.0"));
  t.true(contains(lan, "192.168.6.255"));
  t.true(contains(lan, "192.168.6.80"));
  t.false(contains(lan, "192.168.5.255"));
  t.false(contains(lan, "192.168.7.0"));
  t.true(contains(cidr("0.0.0.0/0"), "255.255.255.255"));
  t.true(contains(cidr("192.168.0.81/32"), "192.168.0.81"));
  t.false(contains(cidr("192.168.0.81/32"), "192.168.0.80"));
  // a prefix written with host bits contains what its network contains
  t.true(contains(cidr("192.168.6.77/24"), "192.168.6.1"));
});

test("containsCidr and overlaps", (t) => {
  const cluster = cidr("10.42.0.0/16");
  t.true(containsCidr(cluster, cidr("10.42.3.0/24")));
  t.true(containsCidr(cluster, cluster));
  t.false(containsCidr(cluster, cidr("10.43.0.0/24")));
  t.false(containsCidr(cidr("10.42.3.0/24"), cluster), "a shorter prefix is never inside a longer one");
  t.false(containsCidr(cluster, cidr("10.0.0.0/8")));
  t.true(containsCidr(cidr("0.0.0.0/0"), cidr("255.255.255.255/32")));

  t.true(overlaps(cluster, cidr("10.42.3.0/24")));
  t.true(overlaps(cidr("10.42.3.0/24"), cluster), "overlap is symmetric");
  t.true(overlaps(cidr("10.42.0.0/23"), cidr("10.42.1.0/24")));
  t.false(overlaps(cidr("10.42.0.0/24"), cidr("10.42.1.0/24")), "adjacent prefixes do not overlap");
  t.false(overlaps(cluster, cidr("10.43.0.0/16")));
  t.false(overlaps(cidr("192.168.0.0/24"), cidr("192.168.191.0/24")));
  t.true(overlaps(cidr("0.0.0.0/0"), cidr("192.168.191.0/24")));
});

test("hostCount: network and broadcast excluded except on /31 and /32", (t) => {
  t.is(hostCount(cidr("10.42.3.0/24")), 254);
  t.is(hostCount(cidr("10.42.0.0/16")), 65534);
  t.is(hostCount(cidr("10.42.3.0/28")), 14);
  t.is(hostCount(cidr("10.42.3.0/30")), 2);
  t.is(hostCount(cidr("10.42.3.0/31")), 2);
  t.is(hostCount(cidr("10.42.3.1/32")), 1);
  t.is(hostCount(cidr("0.0.0.0/0")), 2 ** 32 - 2);
});

test("nthHost counts from the network address and crosses octet boundaries", (t) => {
  const pods = cidr("10.42.3.0/24");
  t.is(nthHost(pods, 0), "10.42.3.0");
  t.is(nthHost(pods, 1), "10.42.3.1");
  t.is(nthHost(pods, 10), "10.42.3.10");
  t.is(nthHost(pods, 254), "10.42.3.254");
  t.is(nthHost(cidr("10.42.0.0/16"), 256), "10.42.1.0");
  t.is(nthHost(cidr("10.42.0.0/16"), 65534), "10.42.255.254");
  // host bits in the text do not shift the numbering
  t.is(nthHost(cidr("10.42.3.99/24"), 1), "10.42.3.1");
  t.is(nthHost(cidr("255.255.255.0/24"), 254), "255.255.255.254");
});

test("isNetworkOrBroadcast", (t) => {
  const lan = cidr("192.168.6.0/24");
  t.true(isNetworkOrBroadcast(lan, "192.168.6.0"));
  t.true(isNetworkOrBroadcast(lan, "192.168.6.255"));
  t.false(isNetworkOrBroadcast(lan, "192.168.6.1"));
  t.false(isNetworkOrBroadcast(lan, "192.168.6.254"));
  t.true(isNetworkOrBroadcast(cidr("10.0.0.0/30"), "10.0.0.3"));
  t.false(isNetworkOrBroadcast(cidr("10.0.0.0/30"), "10.0.0.2"));
  // /31 (RFC 3021) and /32 have no network or broadcast address
  t.false(isNetworkOrBroadcast(cidr("10.0.0.0/31"), "10.0.0.0"));
  t.false(isNetworkOrBroadcast(cidr("10.0.0.0/31"), "10.0.0.1"));
  t.false(isNetworkOrBroadcast(cidr("10.0.0.7/32"), "10.0.0.7"));
});
