// mapLimit: results in input order, never more than `limit` in flight, the first error after
// everything started has settled.
import { setTimeout as sleep } from "node:timers/promises";
import test from "ava";
import { mapLimit } from "../../../lab/util/concurrency.ts";

test("results keep the input order and at most `limit` run at once", async (t) => {
  let running = 0;
  let peak = 0;
  const out = await mapLimit([30, 5, 20, 1, 10], 2, async (ms) => {
    running++;
    peak = Math.max(peak, running);
    await sleep(ms);
    running--;
    return ms * 2;
  });
  t.deepEqual(out, [60, 10, 40, 2, 20]);
  t.is(peak, 2);
});

test("the first error is thrown after started work settles; nothing new starts after it", async (t) => {
  const settled: number[] = [];
  const started: number[] = [];
  const err = await t.throwsAsync(
    mapLimit([1, 2, 3, 4], 2, async (n) => {
      started.push(n);
      if (n === 1) throw new Error("one failed");
      await sleep(20);
      settled.push(n);
      return n;
    }),
  );
  t.is(err?.message, "one failed");
  t.deepEqual(settled, [2], "the item in flight finished before the rejection");
  t.deepEqual(started, [1, 2]);
});

test("an empty list resolves to an empty list", async (t) => {
  t.deepEqual(await mapLimit([], 3, async () => 1), []);
});
