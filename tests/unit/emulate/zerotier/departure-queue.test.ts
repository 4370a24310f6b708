import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import test from "ava";
import { DepartureQueue } from "../../../../lab/emulate/zerotier/departure-queue.ts";

const now = () => performance.now();

test("a packet due now is sent at once, synchronously", (t) => {
  const sent: string[] = [];
  const q = new DepartureQueue<string>((s) => sent.push(s), now);
  t.teardown(() => q.clear());
  q.push(now(), "a");
  t.deepEqual(sent, ["a"]);
  t.is(q.size, 0);
});

test("packets go out in departure order, equal times in arrival order, not before their time", async (t) => {
  const sent: { item: string; at: number }[] = [];
  const q = new DepartureQueue<string>((item) => sent.push({ item, at: now() }), now);
  t.teardown(() => q.clear());
  const t0 = now();
  q.push(t0 + 40, "c");
  q.push(t0 + 20, "a");
  q.push(t0 + 20, "b");
  q.push(t0 + 60, "d");
  q.push(t0 - 1, "late"); // already due, but the queue is busy: it leaves first, on the next timer
  t.is(q.size, 5);
  await sleep(120);
  t.deepEqual(
    sent.map((s) => s.item),
    ["late", "a", "b", "c", "d"],
  );
  const byItem = new Map(sent.map((s) => [s.item, s.at - t0]));
  for (const [item, due] of [
    ["a", 20],
    ["c", 40],
    ["d", 60],
  ] as const)
    t.true((byItem.get(item) ?? 0) >= due - 1, `${item} left at ${byItem.get(item)} ms, due ${due}`);
  t.is(q.size, 0);
});

test("a due packet waits for the timer while others are queued, then leaves in departure order", async (t) => {
  const sent: string[] = [];
  const q = new DepartureQueue<string>((s) => sent.push(s), now);
  t.teardown(() => q.clear());
  const t0 = now();
  q.push(t0 + 30, "first");
  q.push(t0 + 30, "second");
  t.deepEqual(sent, []);
  await sleep(60);
  q.push(now() + 30, "third");
  q.push(now(), "fourth");
  t.deepEqual(sent, ["first", "second"]);
  await sleep(60);
  t.deepEqual(sent, ["first", "second", "fourth", "third"]);
});

test("clear() drops waiting packets and their timer", async (t) => {
  const sent: string[] = [];
  const q = new DepartureQueue<string>((s) => sent.push(s), now);
  q.push(now() + 10, "x");
  q.clear();
  t.is(q.size, 0);
  await sleep(30);
  t.deepEqual(sent, []);
});
