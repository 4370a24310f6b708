// Speaker faults carry the agent's boot to the runtime: the step's own, else the default; the
// restart that reverts a stop or kill is clean-up and waits none.
import test from "ava";
import type { FaultActions, LabHandle } from "../../../lab/runtime/kind.ts";
import { DEFAULT_AGENT_BOOT_MS } from "../../../lab/scenario/agent-boot.ts";
import { applyFault } from "../../../lab/scenario/faults.ts";

function recorder() {
  const calls: { op: string; node: string; how?: string; bootMs?: number }[] = [];
  const faults = {
    async stopSpeaker(node: string, how: "kill" | "stop") {
      calls.push({ op: "stop", node, how });
      return { detail: `${how}ped` };
    },
    async startSpeaker(node: string, _token?: string, bootMs?: number) {
      calls.push({ op: "start", node, ...(bootMs !== undefined ? { bootMs } : {}) });
      return "started";
    },
  } as Partial<FaultActions> as FaultActions;
  return { calls, h: { faults } as Partial<LabHandle> as LabHandle };
}

test("a start waits the step's boot or the default one, a stop's revert none", async (t) => {
  const { calls, h } = recorder();
  await applyFault(h, { kind: "speaker", action: "start", node: "yuuko-k8s", bootMs: 3_000 });
  await applyFault(h, { kind: "speaker", action: "start", node: "nano" });
  const stop = await applyFault(h, { kind: "speaker", action: "stop", node: "yuuko-k8s" });
  t.is(calls.length, 3, "the stop itself starts nothing");
  await stop.revert?.();
  t.deepEqual(calls, [
    { op: "start", node: "yuuko-k8s", bootMs: 3_000 },
    { op: "start", node: "nano", bootMs: DEFAULT_AGENT_BOOT_MS },
    { op: "stop", node: "yuuko-k8s", how: "stop" },
    { op: "start", node: "yuuko-k8s" },
  ]);
});
