import test from "ava";
import {
  fragmentSizes,
  Reassembler,
  VXLAN_FRAME_OVERHEAD,
  ZT_FRAGMENT_HEADER,
  ZT_RX_QUEUE_SIZE,
} from "../../../../lab/emulate/zerotier/fragments.ts";

/** The VXLAN datagram (UDP payload) that carries an IP packet of `ip` bytes. */
const vxlan = (ip: number) => ip + VXLAN_FRAME_OVERHEAD;

test("a 56-byte ping fits one datagram; a full-size pod packet takes two, as ZeroTier sends them", (t) => {
  // ping -s 56: 84-byte IP packet; ZeroTier adds its 28-byte header, network id and ethertype.
  t.deepEqual(fragmentSizes(vxlan(84)), [84 + 38]);
  // 1500 bytes: 1538 as a ZeroTier packet, 1432 in the head, the other 106 behind a 16-byte header.
  t.deepEqual(fragmentSizes(vxlan(1500)), [1432, 106 + 16]);
  // The largest frame zt0 (MTU 2800) sends still takes two.
  t.deepEqual(fragmentSizes(vxlan(2800)), [1432, 2838 - 1432 + 16]);
});

test("the split is exact at the physical MTU and conserves the packet", (t) => {
  t.deepEqual(fragmentSizes(vxlan(1432 - 38)), [1432]);
  t.deepEqual(fragmentSizes(vxlan(1432 - 37)), [1432, 1 + ZT_FRAGMENT_HEADER]);
  for (const ip of [100, 1394, 1395, 2000, 2800, 9000]) {
    const sizes = fragmentSizes(vxlan(ip));
    const carried = sizes.reduce((a, b) => a + b, 0) - ZT_FRAGMENT_HEADER * (sizes.length - 1);
    t.is(carried, ip + 38, `IP ${ip}`);
    t.true(
      sizes.every((s) => s <= 1432),
      `IP ${ip}: ${sizes}`,
    );
  }
  // A smaller physical MTU gives more fragments.
  t.is(fragmentSizes(vxlan(2800), 1400).length, 3);
});

test("a frame is whole once every fragment arrived, in any order; duplicates are ignored", (t) => {
  const evicted: string[] = [];
  const r = new Reassembler<string>((f) => evicted.push(f));
  t.deepEqual(r.add(1, 1, 2, "a"), { kind: "pending" });
  t.deepEqual(r.add(1, 1, 2, "a"), { kind: "duplicate" });
  t.is(r.pending, 1);
  t.deepEqual(r.add(1, 0, 2, "a"), { kind: "complete", frame: "a" });
  t.is(r.pending, 0);
  // Unfragmented frames never take an entry.
  t.deepEqual(r.add(2, 0, 1, "b"), { kind: "complete", frame: "b" });
  t.is(r.pending, 0);
  t.deepEqual(evicted, []);
});

test("an incomplete frame is lost when ZT_RX_QUEUE_SIZE newer fragmented frames started", (t) => {
  const evicted: number[] = [];
  const r = new Reassembler<number>((f) => evicted.push(f));
  r.add(0, 0, 2, 0); // its second fragment was lost
  for (let id = 1; id < ZT_RX_QUEUE_SIZE; id++) t.is(r.add(id, 0, 2, id).kind, "pending");
  t.deepEqual(evicted, []);
  // The late fragment still completes it while it holds its entry.
  t.is(r.add(5, 1, 2, 5).kind, "complete");
  r.add(ZT_RX_QUEUE_SIZE, 0, 2, ZT_RX_QUEUE_SIZE);
  t.deepEqual(evicted, [0]);
  // Too late now: the fragment starts a new entry that cannot complete, pushing out the next.
  t.is(r.add(0, 1, 2, 0).kind, "pending");
  t.deepEqual(evicted, [0, 1]);
  // Frame 5 completed, so reusing its entry loses nothing: 2, 3, 4 go, 5 is not reported.
  for (let id = 100; id < 105; id++) r.add(id, 0, 2, id);
  t.deepEqual(evicted, [0, 1, 2, 3, 4, 6]);
});
