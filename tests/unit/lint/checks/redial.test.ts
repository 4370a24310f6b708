// node-redial-delay: nodes that only dial out and redial slowly stay cut off after a router restart.
import test from "ava";
import { nodeRedialDelay } from "../../../../lab/lint/checks/redial.ts";
import { PEER_CONFIG, runCheck } from "../../../fixtures/lint/check.ts";

test("the seed's 120 s connect retry is a warning at the PeerConfig's timer", async (t) => {
  const { found, line } = await runCheck(t, nodeRedialDelay);
  t.deepEqual(found, [
    `warn node-redial-delay ${PEER_CONFIG}:${line(PEER_CONFIG, "connectRetryTimeSeconds")}: nodes yuuko-k8s, sakamoto, nano only dial out (no localPort) and redial every 120 s (connectRetryTimeSeconds)`,
  ]);
});

test("a 30 s connect retry, or a localPort the router can call, is no finding", async (t) => {
  const fast = await runCheck(t, nodeRedialDelay, [
    { file: PEER_CONFIG, from: "connectRetryTimeSeconds: 120", to: "connectRetryTimeSeconds: 30" },
  ]);
  t.deepEqual(fast.found, []);
  // localPort: the router can connect to the node, so nobody waits for a redial.
  const both = await runCheck(t, nodeRedialDelay, [], (lab) => {
    for (const n of lab.nodes) for (const i of n.bgp?.instances ?? []) i.localPort = 179;
  });
  t.deepEqual(both.found, []);
});
