// GobgpWatch against a real gobgpd (the one the lab runs: .lab/tools/gobgp from `make deps`, else
// the system's) peering with a real BIRD (hold 3, keepalive 1). gobgpd
// listens so that BIRD's connect (after 1 s) establishes the session without waiting for
// GoBGP 3.10's own first attempt (5-10 s). Both modes watch the same speaker: the stream
// (`gobgp monitor neighbor ADDR -j`) and the poll (`gobgp neighbor -j` every 200 ms). The link
// is then made to drop silently on the node's side (iptables DROP on eth0 only: a DROP on all
// of INPUT would also cut the CLI from gobgpd's API on 127.0.0.1).
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import test from "ava";
import { gobgpTools } from "../../../../lab/gobgp/binary.ts";
import { GobgpWatch } from "../../../../lab/runtime/netns/gobgp-watch.ts";
import { parseBirdLog } from "../../../../lab/scenario/sources/bird-log.ts";
import type { LabEvent } from "../../../../lab/scenario/types.ts";
import { run } from "../../../../lab/util/exec.ts";
import { sourcesSkipReason, TestNetns, until } from "../../../fixtures/sources/netns.ts";
import { integrationTests } from "../../../helpers/root.ts";

const skip = sourcesSkipReason(["bird", "gobgpd", "gobgp", "iptables"]);
integrationTests("sources-gobgp", skip);

if (!skip) {
  const prefix = `ltsrc${process.pid}g`;
  const dir = join(tmpdir(), prefix);
  const nets = new TestNetns(prefix);
  const watches: GobgpWatch[] = [];
  const API = 50061;

  test.after.always(async () => {
    for (const w of watches) await w.stop();
    await nets.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  test.serial("stream and poll both see up, then down after a silent drop", async (t) => {
    await mkdir(dir, { recursive: true });
    const router = await nets.add("r");
    const node = await nets.add("n");
    await nets.veth(router, "eth0", "10.99.5.1/30", node, "eth0", "10.99.5.2/30");
    const gobgpConf = join(dir, "gobgpd.yaml");
    await writeFile(
      gobgpConf,
      `global:
  config: { as: 64514, router-id: 10.99.5.2, port: 179, local-address-list: ["10.99.5.2"] }
neighbors:
  - config: { neighbor-address: 10.99.5.1, peer-as: 64513 }
    timers: { config: { connect-retry: 2, hold-time: 3, keepalive-interval: 1 } }
    afi-safis:
      - config: { afi-safi-name: ipv4-unicast }
`,
    );
    const gobgpLog = join(dir, "gobgpd.log");
    nets.spawn(
      node,
      [
        gobgpTools().gobgpd,
        "-t",
        "yaml",
        "-f",
        gobgpConf,
        "--api-hosts",
        `127.0.0.1:${API}`,
        "-p",
        "--pprof-disable",
      ],
      gobgpLog,
    );
    const apiUp = async () =>
      (
        await run([gobgpTools().gobgp, "-p", String(API), "neighbor", "-j"], {
          netns: node,
          allowFailure: true,
          timeoutMs: 2000,
        })
      ).code === 0;
    for (let i = 0; i < 100 && !(await apiUp()); i++) await sleep(50);

    const streamed: LabEvent[] = [];
    const polled: LabEvent[] = [];
    const errors: Error[] = [];
    const stream = new GobgpWatch({
      netns: node,
      apiPort: API,
      owner: "sakamoto",
      onEvent: (e) => streamed.push(e),
      onError: (e) => errors.push(e),
      logFile: gobgpLog,
      maxLifetimeMs: 60_000,
    });
    const poll = new GobgpWatch({
      netns: node,
      apiPort: API,
      owner: "sakamoto",
      mode: "poll",
      intervalMs: 200,
      onEvent: (e) => polled.push(e),
      onError: (e) => errors.push(e),
      maxLifetimeMs: 60_000,
    });
    watches.push(stream, poll);
    await stream.start();
    await poll.start();
    t.deepEqual(Object.keys(stream.states()), ["10.99.5.1"]);

    const birdConf = join(dir, "bird.conf");
    await writeFile(
      birdConf,
      `log "${join(dir, "bird.log")}" all;
timeformat log iso long ms;
debug protocols { states, events };
router id 10.99.5.1;
protocol device {}
protocol bgp node_sakamoto {
  local 10.99.5.1 as 64513;
  neighbor 10.99.5.2 as 64514;
  hold time 3; keepalive time 1; connect delay time 1; error wait time 1,5;
  ipv4 { import all; export none; };
}
`,
    );
    const pidFile = join(dir, "bird.pid");
    nets.trackPidFile(pidFile, "bird");
    const birdStarted = Date.now();
    await run(["bird", "-c", birdConf, "-s", join(dir, "bird.ctl"), "-P", pidFile], {
      netns: router,
      timeoutMs: 10_000,
    });

    const has = (list: LabEvent[], state: "up" | "down") =>
      list.find((e) => e.kind === "session" && e.state === state) as
        | Extract<LabEvent, { kind: "session" }>
        | undefined;
    await until(
      () => has(streamed, "up") !== undefined && has(polled, "up") !== undefined,
      "up seen by both",
      12_000,
    );
    const upS = has(streamed, "up");
    const upP = has(polled, "up");
    t.like(upS, { owner: "sakamoto", peer: "10.99.5.1", state: "up", source: "gobgp" });
    t.like(upP, { owner: "sakamoto", peer: "10.99.5.1", state: "up", source: "gobgp" });
    t.log(
      `up ${(upS?.t ?? 0) - birdStarted} ms after BIRD started (stream); poll differs by ${((upP?.t ?? 0) - (upS?.t ?? 0)).toFixed(0)} ms`,
    );

    const cut = Date.now();
    await run(["iptables", "-A", "INPUT", "-i", "eth0", "-j", "DROP"], { netns: node });
    await until(
      () => has(streamed, "down") !== undefined && has(polled, "down") !== undefined,
      "down seen by both",
      8000,
    );
    const downS = has(streamed, "down");
    const downP = has(polled, "down");
    t.like(downS, { peer: "10.99.5.1", state: "down", source: "gobgp", detail: "hold-timer-expired" });
    t.like(downP, { peer: "10.99.5.1", state: "down", source: "gobgp" });
    const ms = (downS?.t ?? 0) - cut;
    t.log(
      `down ${ms} ms after the drop (stream); poll differs by ${((downP?.t ?? 0) - (downS?.t ?? 0)).toFixed(0)} ms`,
    );
    t.true(ms > 1000 && ms < 3600, `down after ${ms} ms`);
    t.true(
      Math.abs((downP?.t ?? 0) - (downS?.t ?? 0)) < 700,
      "the poll's estimate is close to the stream's time",
    );
    t.is(streamed.filter((e) => e.kind === "session").length, 2, "exactly one up and one down");
    t.is(polled.filter((e) => e.kind === "session").length, 2);
    // BIRD's millisecond log on the other end as the reference for the up time.
    const birdUp = parseBirdLog(await readFile(join(dir, "bird.log"), "utf8"), "router").find(
      (e) => e.kind === "session" && e.state === "up",
    );
    t.log(
      `up vs BIRD's log: stream ${((upS?.t ?? 0) - (birdUp?.t ?? 0)).toFixed(0)} ms, poll ${((upP?.t ?? 0) - (birdUp?.t ?? 0)).toFixed(0)} ms`,
    );
    t.true(Math.abs((upS?.t ?? 0) - (birdUp?.t ?? 0)) < 200, "the stream's time is within 200 ms of BIRD's");
    t.deepEqual(errors, []);
  });
}
