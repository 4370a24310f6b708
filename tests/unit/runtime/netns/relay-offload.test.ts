// Which interfaces the relay's offload touches: every router's uplink (the VXLAN device's `dev`)
// receives, and only its peer in the internet namespace gets the queue; nothing on the LANs.
import { fileURLToPath } from "node:url";
import test from "ava";
import { planNetns } from "../../../../lab/runtime/netns/plan.ts";
import {
  offloadTargets,
  receiverCommand,
  senderQdiscLines,
  UPLINK_QUEUE_PACKETS,
} from "../../../../lab/runtime/netns/relay-offload.ts";
import { loadLab } from "../../../../lab/topology/load.ts";

const THREE_SITES = fileURLToPath(
  new URL("../../../../configs/examples/three-sites/topology.yaml", import.meta.url),
);

test("the seed: both routers' uplinks receive, their two internet-side peers send", async (t) => {
  const plan = planNetns(await loadLab());
  const { receivers, senders } = offloadTargets(plan);
  t.deepEqual(
    receivers.map((r) => `${r.ns}/${r.ifname}`),
    plan.vxlans.map((v) => `${v.ns}/${v.dev}`),
  );
  t.is(receivers.length, 2);
  t.is(senders.length, 2);
  t.true(senders.every((s) => s.ns === plan.relay.ns));
  t.deepEqual(new Set(senders.map((s) => s.ifname)).size, 2, "each uplink's own peer");
});

test("three sites: one sender per router, none on a site switch", async (t) => {
  const plan = planNetns(await loadLab(THREE_SITES));
  const { receivers, senders } = offloadTargets(plan);
  t.is(receivers.length, 3);
  t.is(senders.length, 3);
  t.false(senders.some((s) => s.ns.includes("-sw-")));
});

test("the commands name the interface and the queue", (t) => {
  const [, , script] = receiverCommand("wan0");
  t.regex(script as string, /ethtool -K wan0 gro on rx-udp-gro-forwarding on/);
  t.regex(script as string, /echo 1 > \/sys\/class\/net\/wan0\/threaded/);
  t.deepEqual(senderQdiscLines([{ ns: "x-inet", ifname: "wan1" }]), [
    `qdisc replace dev wan1 root pfifo limit ${UPLINK_QUEUE_PACKETS}`,
  ]);
});
