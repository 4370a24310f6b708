// gobgpNeighbors against the real gobgp CLI and gobgpd the lab runs (.lab/tools/gobgp from
// `make deps`, else the system's), peering with a real BIRD that exports two static routes: the
// single-neighbor read carries the advertised count, and it agrees with the speaker's adj-out
// (what the status read asked separately before).
import { mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import test from "ava";
import { gobgpTools } from "../../../lab/gobgp/binary.ts";
import { type GobgpNeighbor, gobgpAddPrefix, gobgpNeighbors } from "../../../lab/gobgp/cli.ts";
import { output, run } from "../../../lab/util/exec.ts";
import { sourcesSkipReason, TestNetns } from "../../fixtures/sources/netns.ts";
import { integrationTests } from "../../helpers/root.ts";

const skip = sourcesSkipReason(["bird", "gobgpd", "gobgp"]);
integrationTests("gobgp-cli", skip);

if (!skip) {
  const prefix = `ltsrc${process.pid}c`;
  const dir = join(tmpdir(), prefix);
  const nets = new TestNetns(prefix);
  const API = 50061;
  const ROUTER = "10.99.6.1";

  test.after.always(async () => {
    await nets.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  test.serial("one read per peer gives state, received and advertised; adj-out agrees", async (t) => {
    await mkdir(dir, { recursive: true });
    const router = await nets.add("r");
    const node = await nets.add("n");
    await nets.veth(router, "eth0", `${ROUTER}/30`, node, "eth0", "10.99.6.2/30");
    const gobgpConf = join(dir, "gobgpd.yaml");
    await writeFile(
      gobgpConf,
      `global:
  config: { as: 64514, router-id: 10.99.6.2, port: 179, local-address-list: ["10.99.6.2"] }
neighbors:
  - config: { neighbor-address: ${ROUTER}, peer-as: 64513 }
    timers: { config: { connect-retry: 2, hold-time: 9, keepalive-interval: 3 } }
    afi-safis:
      - config: { afi-safi-name: ipv4-unicast }
`,
    );
    nets.spawn(
      node,
      [gobgpTools().gobgpd, "-t", "yaml", "-f", gobgpConf, "--api-hosts", `127.0.0.1:${API}`, "-p"],
      join(dir, "gobgpd.log"),
    );
    const apiUp = async () =>
      (await run([gobgpTools().gobgp, "-p", String(API), "global"], { netns: node, allowFailure: true }))
        .code === 0;
    for (let i = 0; i < 100 && !(await apiUp()); i++) await sleep(50);
    await gobgpAddPrefix(node, API, "10.42.0.0/24");

    const birdConf = join(dir, "bird.conf");
    await writeFile(
      birdConf,
      `router id ${ROUTER};
protocol device {}
protocol static { ipv4; route 10.42.3.0/24 unreachable; route 10.42.4.0/24 unreachable; }
protocol bgp node_sakamoto {
  local ${ROUTER} as 64513;
  neighbor 10.99.6.2 as 64514;
  connect delay time 1;
  ipv4 { import all; export all; };
}
`,
    );
    const pidFile = join(dir, "bird.pid");
    nets.trackPidFile(pidFile, "bird");
    await run(["bird", "-c", birdConf, "-s", join(dir, "bird.ctl"), "-P", pidFile], { netns: router });

    // Budget: BIRD connects after 1 s; the routes follow within a second or two.
    let last: GobgpNeighbor[] = [];
    for (let i = 0; i < 60; i++) {
      last = await gobgpNeighbors(node, API, [ROUTER]);
      if (last[0]?.state === "established" && last[0].received === 2 && last[0].advertised > 0) break;
      await sleep(200);
    }
    t.like(last[0], {
      address: ROUTER,
      localAs: 64514,
      peerAs: 64513,
      state: "established",
      received: 2,
      advertised: 1,
    });
    t.is(last.length, 1);
    const adjOut = await output(
      [gobgpTools().gobgp, "-p", String(API), "neighbor", ROUTER, "adj-out", "-a", "ipv4", "-j"],
      { netns: node },
    );
    t.is(Object.keys(JSON.parse(adjOut) as object).length, last[0]?.advertised ?? -1);

    // A peer the speaker does not have is an error naming it, not an empty answer.
    await t.throwsAsync(gobgpNeighbors(node, API, ["10.99.6.9"]), { message: /not found neighbor/ });
  });
}
