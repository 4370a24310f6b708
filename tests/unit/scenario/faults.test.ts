// The restart link fault's bookkeeping, runtime-neutral: zt0 goes at once, comes back after `for`
// while the scenario goes on, and the revert brings it back at once when the scenario ends first.
import { setTimeout as sleep } from "node:timers/promises";
import test from "ava";
import type { FaultActions, LabHandle } from "../../../lab/runtime/kind.ts";
import { applyFault, unsupportedFault } from "../../../lab/scenario/faults.ts";
import type { Fault } from "../../../lab/scenario/model.ts";
import { LabError } from "../../../lab/util/errors.ts";

function handle(faults: Partial<FaultActions>): LabHandle {
  return { kind: { name: "fake" }, faults } as unknown as LabHandle;
}

function recorder(recreate: () => Promise<string> = async () => "zt0 recreated in 2 routers") {
  const calls: string[] = [];
  const h = handle({
    ztRemove: async () => {
      calls.push("remove");
      return "zt0 deleted in 2 of 2 routers";
    },
    ztRecreate: async () => {
      calls.push("recreate");
      return recreate();
    },
  });
  return { h, calls };
}

const restart = (forMs: number): Fault => ({ kind: "link", action: "restart", forMs });

test("zt0 goes at once and comes back after `for`; the revert then does nothing more", async (t) => {
  const { h, calls } = recorder();
  const out = await applyFault(h, restart(60));
  t.is(out.detail, "zerotier-one restart: zt0 deleted in 2 of 2 routers, back after 0.06 s");
  t.deepEqual(calls, ["remove"]);
  await sleep(150);
  t.deepEqual(calls, ["remove", "recreate"]);
  await out.revert?.();
  t.deepEqual(calls, ["remove", "recreate"]);
});

test("a scenario that ends first gets zt0 back at once, and not twice", async (t) => {
  const { h, calls } = recorder();
  const out = await applyFault(h, restart(100));
  await out.revert?.();
  t.deepEqual(calls, ["remove", "recreate"]);
  await sleep(200);
  t.deepEqual(calls, ["remove", "recreate"]);
});

test("a failed recreation surfaces in the revert", async (t) => {
  const { h } = recorder(async () => {
    throw new Error("ip: RTNETLINK answers: File exists");
  });
  const out = await applyFault(h, restart(10));
  await sleep(50);
  await t.throwsAsync(out.revert?.() ?? Promise.resolve(), { message: /File exists/ });
});

test("a runtime without the actions refuses the fault, with why", async (t) => {
  const h = handle({});
  t.regex(unsupportedFault(h, restart(5000)) ?? "", /the fake runtime cannot remove and recreate zt0/);
  await t.throwsAsync(applyFault(h, restart(5000)), { instanceOf: LabError });
  t.is(unsupportedFault(h, { kind: "link", action: "down" }), undefined);
});

test("direct-down goes through the handle one way or both; its revert is direct-up the same way", async (t) => {
  const calls: string[] = [];
  const h = handle({
    linkDirectDown: async (d) => {
      calls.push(`down ${d ?? "both"}`);
      return "roots still reachable";
    },
    linkDirectUp: async (d) => {
      calls.push(`up ${d ?? "both"}`);
    },
  });
  const out = await applyFault(h, { kind: "link", action: "direct-down", direction: "home->mine" });
  t.is(out.detail, "direct path down home->mine (roots still reachable)");
  await out.revert?.();
  t.deepEqual(calls, ["down home->mine", "up home->mine"]);
  const up = await applyFault(h, { kind: "link", action: "direct-up" });
  t.is(up.detail, "direct path up");
  t.is(up.revert, undefined);
  t.regex(
    unsupportedFault(handle({}), { kind: "link", action: "direct-down" }) ?? "",
    /no separate direct and relayed/,
  );
});

test("a cut between two routers goes through the handle's pair action; its revert is up for that pair", async (t) => {
  const calls: string[] = [];
  const h = handle({
    linkDownBetween: async (r) => {
      calls.push(`down ${r.join("<->")}`);
      return "the relay drops home->mine and mine->home";
    },
    linkUpBetween: async (r) => {
      calls.push(`up ${r.join("<->")}`);
    },
  });
  const pair: [string, string] = ["router-home", "router-mine"];
  const out = await applyFault(h, { kind: "link", action: "down", between: pair });
  t.is(out.detail, "down router-home<->router-mine (the relay drops home->mine and mine->home)");
  await out.revert?.();
  t.deepEqual(calls, ["down router-home<->router-mine", "up router-home<->router-mine"]);
  const up = await applyFault(h, { kind: "link", action: "up", between: pair });
  t.is(up.revert, undefined);
  // A runtime that can only cut a router's whole zt0 refuses it instead of cutting more.
  const plain = handle({ linkDown: async () => "" });
  t.regex(
    unsupportedFault(plain, { kind: "link", action: "down", between: pair }) ?? "",
    /cannot cut one pair of routers/,
  );
  await t.throwsAsync(applyFault(plain, { kind: "link", action: "down", between: pair }), {
    instanceOf: LabError,
  });
});
