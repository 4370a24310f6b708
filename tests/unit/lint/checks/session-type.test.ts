// session-type: each router <-> node session named eBGP or iBGP from the ASNs both ends use.
import test from "ava";
import { sessionType } from "../../../../lab/lint/checks/session-type.ts";
import { HOME, MINE, NETWORKS, runCheck } from "../../../fixtures/lint/check.ts";

test("the seed: every router <-> node session is eBGP, an info at its neighbor line", async (t) => {
  const { found, line } = await runCheck(t, sessionType);
  t.deepEqual(found, [
    `info session-type ${HOME}:${line(HOME, "neighbor 192.168.0.81")}: router-home <-> yuuko-k8s is eBGP (AS 64515 vs AS 64514)`,
    `info session-type ${MINE}:${line(MINE, "neighbor 192.168.6.80")}: router-mine <-> sakamoto is eBGP (AS 64513 vs AS 64514)`,
    `info session-type ${MINE}:${line(MINE, "neighbor 192.168.6.81")}: router-mine <-> nano is eBGP (AS 64513 vs AS 64514)`,
  ]);
});

test("mine's nodes in the router's AS: their sessions are named iBGP", async (t) => {
  const { found, line } = await runCheck(t, sessionType, [
    {
      file: NETWORKS,
      from: "localASN: 64514\n      peers:\n        - name: router-mine",
      to: "localASN: 64513\n      peers:\n        - name: router-mine",
    },
    { file: MINE, from: "neighbor 192.168.6.80 as 64514", to: "neighbor 192.168.6.80 as 64513" },
    { file: MINE, from: "neighbor 192.168.6.81 as 64514", to: "neighbor 192.168.6.81 as 64513" },
  ]);
  t.deepEqual(found, [
    `info session-type ${HOME}:${line(HOME, "neighbor 192.168.0.81")}: router-home <-> yuuko-k8s is eBGP (AS 64515 vs AS 64514)`,
    `info session-type ${MINE}:${line(MINE, "neighbor 192.168.6.80")}: router-mine <-> sakamoto is iBGP (both AS 64513)`,
    `info session-type ${MINE}:${line(MINE, "neighbor 192.168.6.81")}: router-mine <-> nano is iBGP (both AS 64513)`,
  ]);
});

test("a router with no sessions to nodes gives no finding for it", async (t) => {
  const { found } = await runCheck(t, sessionType, [], (lab) => {
    lab.nodes = [];
  });
  t.deepEqual(found, []);
});
