// Entering network namespaces from the host: the nsenter prefix, and the pure parts of finding
// a pod's namespace by its address. The scan itself runs in tests/integration/clab-enter.test.ts.
import test from "ava";
import {
  enterArgv,
  findNetnsWithAddress,
  groupByNetns,
  ipv4Addresses,
  netnsInode,
} from "../../../../lab/runtime/clab/enter.ts";
import { LabError } from "../../../../lab/util/errors.ts";

test("enterArgv: nsenter into the pid's network namespace", (t) => {
  t.deepEqual(enterArgv(4242), ["nsenter", "--net=/proc/4242/ns/net", "--"]);
  for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])
    t.throws(() => enterArgv(bad), { instanceOf: LabError }, String(bad));
});

test("netnsInode reads a namespace link", (t) => {
  t.is(netnsInode("net:[4026531840]"), 4026531840);
  t.is(netnsInode("net:[4026531840]\n"), 4026531840);
  t.is(netnsInode("mnt:[4026531841]"), undefined);
  t.is(netnsInode("net:[]"), undefined);
  t.is(netnsInode("/proc/1/ns/net"), undefined);
});

test("groupByNetns: one group per namespace, lowest pids first, host namespaces left out", (t) => {
  const host = 4026531840;
  const entries = [
    { pid: 1, inode: host },
    { pid: 900, inode: 7 },
    { pid: 12, inode: 5 },
    { pid: 30, inode: 7 },
    { pid: 13, inode: 5 },
    { pid: 77, inode: 9 },
    { pid: 78, inode: 4026531999 },
  ];
  t.deepEqual(groupByNetns(entries, new Set([host, 4026531999])), [[12, 13], [30, 900], [77]]);
  t.deepEqual(groupByNetns([], new Set()), []);
});

test("ipv4Addresses reads `ip -j -4 addr show` (local addresses only)", (t) => {
  const out = JSON.stringify([
    {
      ifindex: 1,
      ifname: "lo",
      addr_info: [{ family: "inet", local: "127.0.0.1", prefixlen: 8, scope: "host" }],
    },
    {
      ifindex: 3,
      ifname: "eth0",
      addr_info: [
        { family: "inet", local: "10.42.1.17", prefixlen: 32, scope: "global" },
        { family: "inet", local: "10.0.0.1", address: "10.0.0.2", prefixlen: 32 },
      ],
    },
    {},
    { ifindex: 4, ifname: "eth1", addr_info: [] },
  ]);
  t.deepEqual(ipv4Addresses(out), ["127.0.0.1", "10.42.1.17", "10.0.0.1"]);
  t.deepEqual(ipv4Addresses("[]"), []);
  t.throws(() => ipv4Addresses(""), { instanceOf: LabError });
  t.throws(() => ipv4Addresses("{}"), { instanceOf: LabError });
});

test("findNetnsWithAddress refuses what is not an IPv4 address, before scanning", async (t) => {
  for (const bad of ["", "10.42.1", "10.42.1.300", "fd00::1", "10.42.1.0/24", "pod-a"])
    await t.throwsAsync(findNetnsWithAddress(bad), { instanceOf: LabError, message: /not an IPv4/ }, bad);
});
