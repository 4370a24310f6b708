import test from "ava";
import {
  PeerPaths,
  ZT_DIRECT_PATH_PUSH_INTERVAL_MS,
  ZT_PEER_PATH_EXPIRATION_MS,
} from "../../../../lab/emulate/zerotier/peer-paths.ts";

const S = 1000;

test("a working direct path is kept forever by the 14 s heartbeats", (t) => {
  const p = new PeerPaths(["home", "mine"], 0);
  t.is(p.via("home", "mine", 3600 * S), "direct");
  const st = p.status(3600 * S);
  t.true(st.every((s) => s.via === "direct" && (s.lastReceiveAgoMs ?? 99e9) < 14 * S));
});

test("a dead direct path is used for ZT_PEER_PATH_EXPIRATION (243 s) after its last packet, then the root", (t) => {
  const p = new PeerPaths(["home", "mine"], 0);
  p.via("home", "mine", 20 * S); // heartbeats at 14 s refreshed both ends
  const last = 14 * S;
  p.setDirect("home->mine", false, 20 * S);
  p.setDirect("mine->home", false, 20 * S);
  t.is(
    p.via("home", "mine", last + ZT_PEER_PATH_EXPIRATION_MS - 1),
    "direct",
    "still sending into the dead path",
  );
  t.is(p.via("home", "mine", last + ZT_PEER_PATH_EXPIRATION_MS), "relay");
  t.is(p.via("mine", "home", last + ZT_PEER_PATH_EXPIRATION_MS), "relay");
});

test("back to direct at the next 15 s push once the direct path works again", (t) => {
  const p = new PeerPaths(["home", "mine"], 0);
  p.setDirect("home->mine", false, 0);
  p.setDirect("mine->home", false, 0);
  const relayedAt = ZT_PEER_PATH_EXPIRATION_MS; // last packet at 0
  t.is(p.via("home", "mine", relayedAt), "relay");
  const healed = relayedAt + 20 * S;
  p.setDirect("home->mine", true, healed);
  p.setDirect("mine->home", true, healed);
  // Pushes every 15 s from the switch to the relay: at +15 s (still dead), +30 s (works).
  const nextPush = relayedAt + 2 * ZT_DIRECT_PATH_PUSH_INTERVAL_MS;
  t.is(p.via("home", "mine", healed), "relay");
  t.is(p.via("home", "mine", nextPush - 1), "relay");
  t.is(p.via("home", "mine", nextPush), "direct");
  t.is(p.via("mine", "home", nextPush), "direct");
  // And it stays: heartbeats restart from there.
  t.is(p.via("home", "mine", nextPush + 3600 * S), "direct");
});

test("one-way death: the side still receiving data keeps sending into the dead direction", (t) => {
  const p = new PeerPaths(["home", "mine"], 0);
  p.setDirect("home->mine", false, 0);
  // mine keeps sending data to home over the (working) mine->home direction.
  for (let at = 0; at <= 400 * S; at += S) {
    p.via("mine", "home", at);
    p.receivedDirect("mine", "home", at);
  }
  t.is(p.via("home", "mine", 400 * S), "direct", "home still hears mine, so it keeps its direct path");
  t.is(p.via("mine", "home", 400 * S), "relay", "mine heard nothing from home for 243 s");
});

test("unknown peers are refused with the known ones", (t) => {
  const p = new PeerPaths(["home", "mine"], 0);
  t.throws(() => p.setDirect("home->moon", false, 0), {
    message: /no peer path "home->moon": known home->mine, mine->home/,
  });
});

test("each switch is reported once, at the model time it was due, even when found late", (t) => {
  const seen: { direction: string; via: string; t: number }[] = [];
  const p = new PeerPaths(["home", "mine"], 0, undefined, (direction, via, at) =>
    seen.push({ direction, via, t: at }),
  );
  p.setDirect("home->mine", false, 0);
  p.setDirect("mine->home", false, 0);
  p.status(1000 * S); // nobody asked for 1000 s: the expiries are found now
  t.deepEqual(
    seen.sort((a, b) => (a.direction < b.direction ? -1 : 1)),
    [
      { direction: "home->mine", via: "relay", t: ZT_PEER_PATH_EXPIRATION_MS },
      { direction: "mine->home", via: "relay", t: ZT_PEER_PATH_EXPIRATION_MS },
    ],
  );
  seen.length = 0;
  p.setDirect("home->mine", true, 1000 * S);
  p.setDirect("mine->home", true, 1000 * S);
  p.status(2000 * S);
  // Pushes every 15 s from the switch: the first one at or after the heal brings both back.
  const push =
    ZT_PEER_PATH_EXPIRATION_MS +
    Math.ceil((1000 * S - ZT_PEER_PATH_EXPIRATION_MS) / ZT_DIRECT_PATH_PUSH_INTERVAL_MS) *
      ZT_DIRECT_PATH_PUSH_INTERVAL_MS;
  t.deepEqual(
    seen.map((s) => s.via),
    ["direct", "direct"],
  );
  t.true(seen.every((s) => s.t === push));
});
