// The emulated root over real UDP on loopback: it relays only what the relay sends it, to the
// endpoint its header names, after its delay, and refuses the rest.
import dgram from "node:dgram";
import { closeSync, openSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import test from "ava";
import { parseRootDatagram, rootDatagram, ZerotierRoot } from "../../../../lab/emulate/zerotier/root.ts";

const RELAY = "127.0.0.1";
const HOME = "127.0.0.2";

function bind(address: string): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket("udp4");
    s.once("error", reject);
    s.bind({ address, port: 0 }, () => resolve(s));
  });
}

async function until(cond: () => boolean, budgetMs = 2000): Promise<boolean> {
  const end = performance.now() + budgetMs;
  while (!cond() && performance.now() < end) await sleep(5);
  return cond();
}

test("header: the endpoint index, then the frame untouched; anything else is not a root datagram", (t) => {
  const frame = Buffer.from("frame");
  const dgram = Buffer.concat(rootDatagram(1, frame));
  t.deepEqual(parseRootDatagram(dgram, 2), { index: 1, frame });
  t.is(parseRootDatagram(dgram, 1), null, "no endpoint 1 among 1");
  t.is(parseRootDatagram(Buffer.from([0, 0]), 2), null, "a header without a frame");
});

test.serial(
  "relays the relay's datagrams after its delay, from its own address; refuses strangers",
  async (t) => {
    const home = await bind(HOME);
    const relay = await bind(RELAY);
    const stranger = await bind("127.0.0.4");
    const got: { data: string; at: number; from: string }[] = [];
    home.on("message", (m, r) => got.push({ data: m.toString(), at: performance.now(), from: r.address }));
    const root = new ZerotierRoot({
      socket: { address: "127.0.0.5" },
      endpoints: [
        { name: "mine", address: "127.0.0.3" },
        { name: "home", address: HOME },
      ],
      peerPort: home.address().port,
      delayMs: 40,
      relayAddress: RELAY,
      now: () => performance.now(),
    });
    t.teardown(async () => {
      await root.stop();
      for (const s of [home, relay, stranger]) s.close();
    });
    await root.start();
    const at = root.address as { address: string; port: number };
    const sentAt = performance.now();
    relay.send(rootDatagram(1, Buffer.from("hello")), at.port, at.address);
    stranger.send(rootDatagram(1, Buffer.from("spoof")), at.port, at.address);
    relay.send(rootDatagram(7, Buffer.from("nobody")), at.port, at.address);
    t.true(await until(() => got.length === 1 && root.status().refused === 2));
    t.is(got[0]?.data, "hello");
    t.is(got[0]?.from, "127.0.0.5");
    t.true((got[0]?.at ?? 0) - sentAt >= 39, "held for its delay");
    await sleep(50);
    t.is(got.length, 1, "nothing else came through");
    t.like(root.status(), { forwarded: 1, refused: 2, queued: 0, ownNamespace: false, delayMs: 40 });
  },
);

test("an inherited descriptor that is not a socket is a clear error", async (t) => {
  const fd = openSync("/dev/null", "r");
  t.teardown(() => closeSync(fd));
  const root = new ZerotierRoot({
    socket: { fd },
    endpoints: [{ name: "home", address: HOME }],
    peerPort: 9993,
    delayMs: 0,
    relayAddress: RELAY,
    now: () => performance.now(),
  });
  t.teardown(() => root.stop());
  await t.throwsAsync(root.start(), {
    name: "LabError",
    message: new RegExp(`^root: cannot use UDP descriptor ${fd}: `),
  });
});
