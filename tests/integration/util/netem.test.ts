// The sch_netem probe against this machine's kernel: it must give a definite answer as root,
// agree with what a clab impairment does (a netem qdisc with delay, jitter and loss on a veth, in
// a namespace of this test), and leave no namespace behind. The kernel the lab is built on has no
// netem (docs/facts.md), so here it says "absent"; a runner with sch_netem says "present".
import test from "ava";
import { run } from "../../../lab/util/exec.ts";
import { netemProbeNamespace, probeNetem } from "../../../lab/util/netem.ts";
import { listNetns } from "../../../lab/util/netns.ts";
import { integrationTests, unavailable } from "../../helpers/root.ts";

const t = integrationTests(
  "netem",
  unavailable("a throwaway network namespace", [
    ["ip", "iproute2"],
    ["tc", "iproute2"],
  ]),
);
const NS = `cfnetem${process.pid.toString(36)}`;

test.after.always(async () => {
  if ((await listNetns()).includes(NS)) await run(["ip", "netns", "delete", NS], { allowFailure: true });
});

t(
  "the probe says whether a netem qdisc can be made, as an impairment would find it, and cleans up",
  async (tt) => {
    const verdict = probeNetem();
    tt.log(
      `sch_netem on this kernel: ${verdict.state}${verdict.state === "present" ? "" : ` (${verdict.why})`}`,
    );
    tt.not(verdict.state, "unknown", verdict.state === "unknown" ? verdict.why : "");
    tt.false((await listNetns()).includes(netemProbeNamespace()), "the probe's namespace is gone");
    // Independently: what the clab runtime's tc netem impairment does, on a veth of our own.
    await run(["ip", "netns", "add", NS]);
    await run(["ip", "-n", NS, "link", "add", "v0", "type", "veth", "peer", "name", "v1"]);
    const impair = await run(
      [
        "ip",
        "netns",
        "exec",
        NS,
        "tc",
        "qdisc",
        "replace",
        "dev",
        "v0",
        "root",
        "netem",
        "delay",
        "40ms",
        "10ms",
        "loss",
        "2%",
      ],
      { allowFailure: true },
    );
    tt.is(impair.code === 0, verdict.state === "present", impair.stderr.trim());
    await run(["ip", "netns", "delete", NS]);
  },
);
