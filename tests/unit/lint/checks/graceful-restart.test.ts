// graceful-restart-off and bird-graceful-restart-off: an agent restart must not withdraw pod CIDRs.
import test from "ava";
import { birdGracefulRestartOff, gracefulRestartOff } from "../../../../lab/lint/checks/graceful-restart.ts";
import { MINE, PEER_CONFIG, runCheck } from "../../../fixtures/lint/check.ts";

const GR_ON = { file: PEER_CONFIG, from: "enabled: false", to: "enabled: true" };

test("graceful-restart-off: the seed's PeerConfig leaves it off, a warning at enabled", async (t) => {
  const { found, line } = await runCheck(t, gracefulRestartOff);
  t.deepEqual(found, [
    `warn graceful-restart-off ${PEER_CONFIG}:${line(PEER_CONFIG, "enabled: false")}: PeerConfig l3-bgp-peer-config leaves graceful restart off (used by nodes yuuko-k8s, sakamoto, nano)`,
  ]);
  t.deepEqual((await runCheck(t, gracefulRestartOff, [GR_ON])).found, []);
});

test("bird-graceful-restart-off: BIRD turning it off where the node enables it; BIRD's default is fine", async (t) => {
  t.deepEqual((await runCheck(t, birdGracefulRestartOff, [GR_ON])).found, [], "BIRD's default `aware`");
  t.deepEqual((await runCheck(t, birdGracefulRestartOff)).found, [], "nodes without graceful restart");
  const off = {
    file: MINE,
    from: "protocol bgp nano from k8s {\n",
    to: "protocol bgp nano from k8s {\n  graceful restart off;\n",
  };
  const { found, line } = await runCheck(t, birdGracefulRestartOff, [GR_ON, off]);
  t.deepEqual(found, [
    `warn bird-graceful-restart-off ${MINE}:${line(MINE, "graceful restart off")}: router-mine's protocol nano turns graceful restart off, but node nano enables it`,
  ]);
});
