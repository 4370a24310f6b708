// Finding a network namespace by an address it holds, as the clab runtime finds a pod's, and
// entering it with nsenter: against a real namespace made here (a veth pair inside it, an
// address from 198.18.0.0/15 on one end, a sleeping process in it). Nothing is added to the
// host namespace, and no traffic is sent. Needs root, ip and nsenter.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes, randomInt } from "node:crypto";
import { once } from "node:events";
import { readlinkSync, statSync } from "node:fs";
import test from "ava";
import {
  enterArgv,
  findNetnsWithAddress,
  ipv4Addresses,
  netnsInode,
} from "../../../../lab/runtime/clab/enter.ts";
import { run } from "../../../../lab/util/exec.ts";
import { waitFor } from "../../../../lab/util/wait.ts";
import { integrationTests, unavailable } from "../../../helpers/root.ts";

const reason = unavailable("network namespaces, nsenter", [
  ["ip", "iproute2"],
  ["nsenter", "util-linux"],
]);
integrationTests("clab-enter", reason);
if (!reason) {
  const NS = `xs-enter-${randomBytes(3).toString("hex")}`;
  // A /30 in 198.18.0.0/15 (benchmarking space), picked at random so parallel runs do not meet.
  const base = randomInt(1, 255 * 64) * 4;
  const ADDRESS = `198.18.${base >> 8}.${(base & 0xff) + 1}`;
  /** An address no namespace holds (198.19.0.0/16 is never used by the lab). */
  const NOWHERE = `198.19.${randomInt(1, 255)}.${randomInt(1, 254)}`;
  let sleeper: ChildProcess | undefined;

  test.before(async () => {
    await run(["ip", "netns", "add", NS]);
    await run(["ip", "-n", NS, "link", "add", "name", "va", "type", "veth", "peer", "name", "vb"]);
    await run(["ip", "-n", NS, "addr", "add", `${ADDRESS}/30`, "dev", "va"]);
    // lo up gives the namespace 127.0.0.1, which the host namespace has too.
    await run(["ip", "-n", NS, "link", "set", "lo", "up"]);
    // `ip netns exec` execs the command itself, so the child is the sleeper in the namespace.
    sleeper = spawn("ip", ["netns", "exec", NS, "sleep", "120"], { stdio: "ignore" });
    const pid = sleeper.pid;
    if (!pid) throw new Error("the sleeper did not start");
    await waitFor(
      async () => (readlinkSync(`/proc/${pid}/ns/net`) === `net:[${nsInode()}]` ? true : "not in it yet"),
      { what: "the sleeper in its namespace", budgetMs: 5000 },
    );
  });

  test.after.always(async () => {
    if (sleeper && sleeper.exitCode === null && sleeper.signalCode === null) {
      const exited = once(sleeper, "exit");
      sleeper.kill("SIGKILL");
      await exited;
    }
    await run(["ip", "netns", "del", NS], { allowFailure: true });
  });

  /** The namespace's inode, from the bind mount `ip netns add` made. */
  function nsInode(): number {
    return statSync(`/run/netns/${NS}`).ino;
  }

  test.serial(
    "finds a pid in the namespace holding the address, and nsenter shows the address",
    async (t) => {
      const started = performance.now();
      const pid = await findNetnsWithAddress(ADDRESS);
      t.log(`found in ${(performance.now() - started).toFixed(0)} ms`);
      if (pid === undefined) return t.fail(`no namespace holds ${ADDRESS}`);
      t.is(netnsInode(readlinkSync(`/proc/${pid}/ns/net`)), nsInode());
      t.not(netnsInode(readlinkSync(`/proc/${pid}/ns/net`)), netnsInode(readlinkSync("/proc/self/ns/net")));

      const r = await run([...enterArgv(pid), "ip", "-j", "-4", "addr"], { timeoutMs: 5000 });
      t.true(ipv4Addresses(r.stdout).includes(ADDRESS));
      const link = await run([...enterArgv(pid), "ip", "-br", "link", "show", "va"], { timeoutMs: 5000 });
      t.regex(link.stdout, /^va@vb\s/);
    },
  );

  test.serial("an address no namespace holds gives undefined", async (t) => {
    t.is(await findNetnsWithAddress(NOWHERE, { timeoutMs: 3000 }), undefined);
  });

  test.serial("an address the host namespace holds too is found outside it", async (t) => {
    const pid = await findNetnsWithAddress("127.0.0.1");
    if (pid === undefined) return t.fail("not even this test's namespace was found");
    t.not(netnsInode(readlinkSync(`/proc/${pid}/ns/net`)), netnsInode(readlinkSync("/proc/self/ns/net")));
  });
}
