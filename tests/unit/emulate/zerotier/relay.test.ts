// The relay over real UDP, on loopback addresses only: the relay on 127.0.0.1, the two "routers"
// on 127.0.0.2 and 127.0.0.3 (all of 127/8 is local on Linux).
import dgram from "node:dgram";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import test, { type ExecutionContext } from "ava";
import { fragmentSizes } from "../../../../lab/emulate/zerotier/fragments.ts";
import { ZerotierRelay } from "../../../../lab/emulate/zerotier/relay.ts";

const HOME = "127.0.0.2";
const MINE = "127.0.0.3";
const ROOT = "127.0.0.5";

interface Received {
  data: string;
  at: number;
  from: string;
}

interface Endpoint {
  socket: dgram.Socket;
  got: Received[];
  /** Sends to the relay. */
  send: (data: string) => Promise<void>;
}

function bind(address: string, port: number): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket("udp4");
    s.once("error", (err) => {
      s.close();
      reject(err);
    });
    s.bind({ address, port, exclusive: true }, () => resolve(s));
  });
}

/** Two "router" sockets on the same port, as the relay forwards to <endpoint>:peerPort. */
async function routers(): Promise<{ home: dgram.Socket; mine: dgram.Socket; port: number }> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const home = await bind(HOME, 0);
    const port = home.address().port;
    try {
      return { home, mine: await bind(MINE, port), port };
    } catch {
      home.close(); // that port is taken on 127.0.0.3: try another
    }
  }
  throw new Error("no port free on both 127.0.0.2 and 127.0.0.3");
}

function endpoint(socket: dgram.Socket, relayPort: number): Endpoint {
  const got: Received[] = [];
  socket.on("message", (m, r) =>
    got.push({ data: m.toString(), at: performance.now(), from: `${r.address}:${r.port}` }),
  );
  return {
    socket,
    got,
    send: (data) =>
      new Promise((resolve, reject) =>
        socket.send(data, relayPort, "127.0.0.1", (err) => (err ? reject(err) : resolve())),
      ),
  };
}

async function until(cond: () => boolean, budgetMs = 2000): Promise<boolean> {
  const end = performance.now() + budgetMs;
  while (!cond() && performance.now() < end) await sleep(5);
  return cond();
}

/** A relay between two routers, all closed when the test ends. */
async function lab(t: ExecutionContext) {
  const { home, mine, port } = await routers();
  const relay = new ZerotierRelay({
    bindAddress: "127.0.0.1",
    port: 0,
    peerPort: port,
    endpoints: [
      { name: "home", address: HOME },
      { name: "mine", address: MINE },
    ],
    seed: 1,
  });
  t.teardown(async () => {
    await relay.stop();
    home.close();
    mine.close();
  });
  await relay.start();
  const relayPort = relay.show().listening?.port ?? 0;
  return { relay, relayPort, home: endpoint(home, relayPort), mine: endpoint(mine, relayPort) };
}

function direction(relay: ZerotierRelay, name: string) {
  const d = relay.show().directions.find((x) => x.direction === name);
  if (!d) throw new Error(`no direction ${name}`);
  return d;
}

test.serial("forwards both ways, from the relay's address, in order, and counts", async (t) => {
  const { relay, home, mine } = await lab(t);
  for (let i = 0; i < 5; i++) await home.send(`h${i}`);
  for (let i = 0; i < 3; i++) await mine.send(`m${i}`);
  t.true(await until(() => mine.got.length === 5 && home.got.length === 3));
  t.deepEqual(
    mine.got.map((r) => r.data),
    ["h0", "h1", "h2", "h3", "h4"],
  );
  t.deepEqual(
    home.got.map((r) => r.data),
    ["m0", "m1", "m2"],
  );
  // From the relay's address; the port is its sending socket's (VXLAN ignores the source port).
  t.true(mine.got.every((r) => r.from.startsWith("127.0.0.1:")));

  const hm = direction(relay, "home->mine");
  // Bytes are what ZeroTier would send: each 2-byte datagram as one fragment.
  const each = fragmentSizes(2)[0] ?? 0;
  t.like(hm.counters, { received: 5, forwarded: 5, duplicated: 0, bytes: 5 * each });
  t.like(hm.frames, { received: 5, delivered: 5, fragmented: 0, evicted: 0 });
  t.like(direction(relay, "mine->home").counters, { received: 3, forwarded: 3, bytes: 3 * each });
  t.is(relay.show().unknownSources.count, 0);
});

test.serial("a full-size frame crosses as two fragments, each lost on its own", async (t) => {
  const { relay, home, mine } = await lab(t);
  relay.set("home->mine", { lossPct: 30 });
  const big = "B".repeat(1522); // a 1500-byte IP packet in VXLAN: two ZeroTier fragments
  const n = 400;
  for (let i = 0; i < n; i++) {
    await home.send(big);
    await home.send("s".repeat(106)); // a 56-byte ping: one
    if (i % 25 === 24) await sleep(5); // paced, so no socket buffer overflows on a busy machine
  }
  const hm = () => direction(relay, "home->mine");
  t.true(
    await until(() => hm().frames.received === 2 * n && mine.got.length === hm().frames.delivered, 5000),
  );
  const d = hm();
  t.is(d.frames.received, 2 * n);
  t.is(d.frames.fragmented, n);
  t.is(d.counters.received, 3 * n);
  t.is(d.counters.received, d.counters.forwarded + d.counters.dropped.loss);
  const bigGot = mine.got.filter((r) => r.data === big).length;
  const smallGot = mine.got.filter((r) => r.data.startsWith("s")).length;
  t.is(mine.got.length, bigGot + smallGot, "every delivered frame is intact");
  t.is(d.frames.delivered, mine.got.length);
  // Expected 0.7 of the small ones and 0.49 of the big ones (seed 1: about 280 against 196).
  t.true(smallGot > 0.6 * n && smallGot < 0.8 * n, `small delivered ${smallGot}/${n}`);
  t.true(bigGot > 0.39 * n && bigGot < 0.59 * n, `big delivered ${bigGot}/${n}`);
  // Lost heads and tails sit in the ring until newer frames push them out.
  t.true(d.frames.evicted > 0.3 * n && d.frames.evicted <= n - bigGot, `evicted ${d.frames.evicted}`);
});

test.serial("a 50 ms delay one way shows in the measured time, only that way", async (t) => {
  const { relay, home, mine } = await lab(t);
  relay.set("home->mine", { delayMs: 50 });

  const sentAt = performance.now();
  await home.send("slow");
  await mine.send("fast");
  t.true(await until(() => mine.got.length === 1 && home.got.length === 1));
  const slow = (mine.got[0]?.at ?? 0) - sentAt;
  const fast = (home.got[0]?.at ?? 0) - sentAt;
  t.true(slow >= 49 && slow < 1000, `delayed way took ${slow.toFixed(1)} ms`);
  t.true(fast < 40, `undelayed way took ${fast.toFixed(1)} ms`);
});

test.serial("jitter through the relay keeps packets in order", async (t) => {
  const { relay, home, mine } = await lab(t);
  relay.set("home->mine", { delayMs: 20, jitterMs: 15 });
  const sent = Array.from({ length: 50 }, (_, i) => `p${i}`);
  for (const p of sent) await home.send(p);
  t.true(await until(() => mine.got.length === 50));
  t.deepEqual(
    mine.got.map((r) => r.data),
    sent,
  );
});

test.serial("down blocks one way only, up restores it, counters say why", async (t) => {
  const { relay, home, mine } = await lab(t);
  relay.down("home->mine");
  for (let i = 0; i < 3; i++) {
    await home.send(`lost${i}`);
    await mine.send(`ok${i}`);
  }
  t.true(await until(() => home.got.length === 3));
  await sleep(100);
  t.is(mine.got.length, 0);
  t.like(direction(relay, "home->mine").counters, { received: 3, forwarded: 0, dropped: { partition: 3 } });
  t.like(direction(relay, "mine->home").counters, { received: 3, forwarded: 3, dropped: { partition: 0 } });
  t.true(direction(relay, "home->mine").impairment.down);

  relay.up("home->mine");
  await home.send("back");
  t.true(await until(() => mine.got.length === 1));
  t.is(mine.got[0]?.data, "back");
});

test.serial("datagrams from unknown sources are dropped and counted", async (t) => {
  const { relay, relayPort, mine, home } = await lab(t);
  const stranger = await bind("127.0.0.4", 0);
  t.teardown(() => stranger.close());
  await new Promise<void>((resolve) => stranger.send("who?", relayPort, "127.0.0.1", () => resolve()));
  t.true(await until(() => relay.show().unknownSources.count === 1));
  await sleep(50);
  t.is(mine.got.length + home.got.length, 0);
  t.deepEqual(relay.show().unknownSources, { count: 1, last: `127.0.0.4:${stranger.address().port}` });
});

test.serial("stop() drops packets still waiting and clears their timers", async (t) => {
  const { relay, home, mine } = await lab(t);
  relay.set("both", { delayMs: 150 });
  await home.send("never");
  t.true(await until(() => direction(relay, "home->mine").queued === 1));
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
  const before = timers();
  await relay.stop();
  t.is(timers(), before - 1);
  t.is(direction(relay, "home->mine").queued, 0);
  t.is(relay.show().listening, null);
  await sleep(250);
  t.is(mine.got.length, 0);
  await relay.stop(); // twice is harmless
});

test.serial("set/reset apply to one direction or both and refuse bad input whole", async (t) => {
  const { relay } = await lab(t);
  relay.set("both", { lossPct: 5 });
  relay.set("mine->home", { delayMs: 20 });
  t.like(direction(relay, "home->mine").impairment, { lossPct: 5, delayMs: 0 });
  t.like(direction(relay, "mine->home").impairment, { lossPct: 5, delayMs: 20 });
  t.throws(() => relay.set("both", { delayMs: 1, lossPct: 200 }), {
    message: "invalid impairment: lossPct must be <= 100, got 200",
  });
  t.is(direction(relay, "home->mine").impairment.delayMs, 0);
  t.throws(() => relay.set("home->moon", {}), {
    message: 'unknown direction "home->moon": expected both, home->mine, mine->home',
  });
  relay.reset();
  t.like(direction(relay, "mine->home").impairment, { lossPct: 0, delayMs: 0 });
});

test.serial("a port already taken is a clear bind error", async (t) => {
  const taken = await bind("127.0.0.1", 0);
  t.teardown(() => taken.close());
  const port = taken.address().port;
  const relay = new ZerotierRelay({
    bindAddress: "127.0.0.1",
    port,
    endpoints: [
      { name: "home", address: HOME },
      { name: "mine", address: MINE },
    ],
  });
  t.teardown(() => relay.stop());
  await t.throwsAsync(relay.start(), {
    name: "LabError",
    message: new RegExp(
      `^cannot bind UDP 127\\.0\\.0\\.1:${port}: .*EADDRINUSE.*\\(is another relay already running\\?\\)$`,
    ),
  });
});

test("bad options are refused with every problem named", (t) => {
  t.throws(
    () =>
      new ZerotierRelay({
        bindAddress: "127.0.0.1",
        port: 0,
        endpoints: [
          { name: "both", address: HOME },
          { name: "x", address: "nowhere" },
          { name: "x", address: HOME },
        ],
      }),
    {
      message:
        'relay: peerPort is required when port is 0; endpoint name "both" must be letters, digits, "_", "." or "-" and not "both"; ' +
        'endpoint x: "nowhere" is not an IP; endpoint name x given twice; endpoint address 127.0.0.2 given twice',
    },
  );
  t.throws(() => new ZerotierRelay({ bindAddress: "127.0.0.1", endpoints: [{ name: "a", address: HOME }] }), {
    message: "relay: needs at least 2 endpoints, got 1",
  });
});

test("the topology's path is each direction's start and what reset returns to", (t) => {
  const relay = new ZerotierRelay({
    bindAddress: "127.0.0.1",
    endpoints: [
      { name: "home", address: HOME },
      { name: "mine", address: MINE },
    ],
    baseline: [
      { direction: "home->mine", impairment: { delayMs: 10, jitterMs: 1 } },
      { direction: "mine->home", impairment: { delayMs: 10, jitterMs: 1 } },
    ],
  });
  t.like(direction(relay, "home->mine").impairment, { delayMs: 10, jitterMs: 1, lossPct: 0 });
  relay.set("both", { delayMs: 40, lossPct: 2 });
  relay.down("mine->home");
  relay.reset();
  for (const name of ["home->mine", "mine->home"]) {
    t.like(direction(relay, name).impairment, { delayMs: 10, jitterMs: 1, lossPct: 0, down: false });
    t.like(direction(relay, name).baseline, { delayMs: 10, jitterMs: 1 });
  }
  t.throws(
    () =>
      new ZerotierRelay({
        bindAddress: "127.0.0.1",
        endpoints: [
          { name: "home", address: HOME },
          { name: "mine", address: MINE },
        ],
        baseline: [{ direction: "home->moon", impairment: { delayMs: -1 } }],
      }),
    {
      message:
        'relay: baseline for unknown direction "home->moon" (known: home->mine, mine->home); baseline for home->moon: delayMs must be >= 0, got -1',
    },
  );
});

test.serial(
  "direct path lost: sent into it until it expires, then through the root, then direct again",
  async (t) => {
    const { home, mine } = await routers();
    const relay = new ZerotierRelay({
      bindAddress: "127.0.0.1",
      port: 0,
      peerPort: home.address().port,
      endpoints: [
        { name: "home", address: HOME },
        { name: "mine", address: MINE },
      ],
      rootDelayMs: 60,
      // Its own address, as its own namespace gives it in the lab.
      rootSocket: { address: ROOT, port: 0 },
      // ZeroTier's 243 s / 14 s / 15 s, shortened.
      pathTimers: { expirationMs: 300, heartbeatMs: 100, pushMs: 100 },
    });
    t.teardown(async () => {
      await relay.stop();
      home.close();
      mine.close();
    });
    await relay.start();
    const port = relay.show().listening?.port ?? 0;
    const h = endpoint(home, port);
    const m = endpoint(mine, port);
    const hm = () => direction(relay, "home->mine");

    relay.directDown();
    t.like(hm().path, { via: "direct", directWorks: false });
    await h.send("lost");
    await sleep(50);
    t.is(m.got.length, 0, "sent into the dead direct path");
    t.is(hm().frames.deadPath, 1);

    t.true(await until(() => hm().path.via === "relay", 2000));
    const sentAt = performance.now();
    await h.send("via-root");
    t.true(await until(() => m.got.length === 1));
    t.true((m.got[0]?.at ?? 0) - sentAt >= 59, "the root adds its delay");
    t.is(m.got[0]?.data, "via-root", "the frame as sent, without the root's header");
    t.true(m.got[0]?.from.startsWith(`${ROOT}:`), `from the root: ${m.got[0]?.from}`);
    t.is(hm().frames.relayed, 1);
    t.like(relay.show().root, { address: ROOT, ownNamespace: false, forwarded: 1, refused: 0 });

    const relayed = relay.show().pathChanges.filter((c) => c.direction === "home->mine");
    t.deepEqual(
      relayed.map((c) => c.via),
      ["relay"],
    );
    // Stamped with when it was due (the relay's clock), not when it was read.
    t.true((relayed[0]?.at ?? 0) <= Date.now());

    relay.directUp();
    t.true(await until(() => hm().path.via === "direct", 2000), "back on the next push");
    t.like(hm().path, { directWorks: true });
    const changes = relay.show().pathChanges;
    t.deepEqual(
      changes.filter((c) => c.direction === "home->mine").map((c) => c.via),
      ["relay", "direct"],
    );
    t.deepEqual(
      changes.map((c) => c.seq),
      changes.map((_, i) => i + 1),
      "numbered for readers that ask only for what is new",
    );
  },
);

test("a partition of everything also stops ZeroTier's heartbeats: the direct path expires behind it", (t) => {
  const relay = new ZerotierRelay({
    bindAddress: "127.0.0.1",
    endpoints: [
      { name: "home", address: HOME },
      { name: "mine", address: MINE },
    ],
    pathTimers: { expirationMs: 40, heartbeatMs: 10, pushMs: 10 },
  });
  relay.down();
  t.like(direction(relay, "home->mine").path, { directWorks: false });
  const end = performance.now() + 80;
  while (performance.now() < end); // the timers are read from the clock: let 80 ms pass
  t.is(direction(relay, "home->mine").path.via, "relay");
  relay.up();
  t.like(direction(relay, "home->mine").path, { directWorks: true });
});

test("the root's delay is settable and reset returns to the first one", (t) => {
  const relay = new ZerotierRelay({
    bindAddress: "127.0.0.1",
    endpoints: [
      { name: "home", address: HOME },
      { name: "mine", address: MINE },
    ],
    rootDelayMs: 25,
  });
  relay.setRootDelay(60);
  t.is(relay.show().rootDelayMs, 60);
  t.throws(() => relay.setRootDelay(-1), { message: /expected 0 to 60000/ });
  relay.reset();
  t.is(relay.show().rootDelayMs, 25);
});
