// Speaker faults carry the agent's boot to the runtime: the step's own, else the default, also
// for the restart that reverts a stop or kill.
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

test("a start waits the step's boot, a stop's revert the default boot", async (t) => {
  const { calls, h } = recorder();
  await applyFault(h, { kind: "speaker", action: "start", node: "yuuko-k8s", bootMs: 3_000 });
  const stop = await applyFault(h, { kind: "speaker", action: "stop", node: "yuuko-k8s" });
  t.is(calls.length, 2, "the stop itself starts nothing");
  await stop.revert?.();
  t.deepEqual(calls, [
    { op: "start", node: "yuuko-k8s", bootMs: 3_000 },
    { op: "stop", node: "yuuko-k8s", how: "stop" },
    { op: "start", node: "yuuko-k8s", bootMs: DEFAULT_AGENT_BOOT_MS },
  ]);
});
