// Two real BIRDs peering over a veth with short timers (hold 3, keepalive 1). A BirdLogFollower
// on each log sees the session come up; after the link is made to drop silently (iptables DROP
// on one side's INPUT), it sees `down` with "Hold timer expired". A RouteMonitor in that
// namespace sees the learned route come and go. Skipped, with the reason, when not root or a
// command is missing.
import { mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { BirdLogFollower } from "../../../../lab/scenario/sources/bird-log.ts";
import { RouteMonitor } from "../../../../lab/scenario/sources/route-monitor.ts";
import type { LabEvent } from "../../../../lab/scenario/types.ts";
import { run } from "../../../../lab/util/exec.ts";
import { sourcesSkipReason, TestNetns, until } from "../../../fixtures/sources/netns.ts";
import { integrationTests } from "../../../helpers/root.ts";

const skip = sourcesSkipReason(["bird", "iptables"]);
integrationTests("sources-bird", skip);

if (!skip) {
  const prefix = `ltsrc${process.pid}b`;
  const dir = join(tmpdir(), prefix);
  const nets = new TestNetns(prefix);
  const followers: BirdLogFollower[] = [];
  const monitors: RouteMonitor[] = [];

  test.after.always(async () => {
    for (const f of followers) await f.stop();
    for (const m of monitors) await m.stop();
    await nets.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  const conf = (
    log: string,
    me: string,
    peer: string,
    as: number,
    peerAs: number,
    name: string,
    net: string,
  ) =>
    `log "${log}" all;
timeformat log iso long ms;
debug protocols { states, events };
router id ${me};
protocol device {}
protocol kernel { ipv4 { export where source = RTS_BGP; }; }
protocol static { ipv4; route ${net} blackhole; }
protocol bgp ${name} {
  local ${me} as ${as};
  neighbor ${peer} as ${peerAs};
  hold time 3; keepalive time 1; connect delay time 1;
  ipv4 { import all; export all; };
}
`;

  test.serial("session up, then a silent drop gives down with Hold timer expired", async (t) => {
    await mkdir(dir, { recursive: true });
    const a = await nets.add("a");
    const b = await nets.add("b");
    await nets.veth(a, "eth0", "10.99.0.1/30", b, "eth0", "10.99.0.2/30");
    const side = [
      {
        ns: a,
        name: "router_home",
        router: "router-mine",
        me: "10.99.0.1",
        peer: "10.99.0.2",
        as: 64513,
        peerAs: 64515,
        net: "10.42.1.0/24",
      },
      {
        ns: b,
        name: "router_mine",
        router: "router-home",
        me: "10.99.0.2",
        peer: "10.99.0.1",
        as: 64515,
        peerAs: 64513,
        net: "10.42.3.0/24",
      },
    ] as const;
    const events: LabEvent[] = [];
    for (const s of side) {
      const log = join(dir, `${s.ns}.log`);
      const f = new BirdLogFollower({
        file: log,
        router: s.router,
        intervalMs: 50,
        onEvent: (e) => events.push(e),
      });
      followers.push(f);
      await f.start();
    }
    // The route a learns from b, seen by netlink in a's namespace.
    const routes: LabEvent[] = [];
    const monitor = new RouteMonitor({
      netns: a,
      router: "router-mine",
      onEvent: (e) => routes.push(e),
      filter: (prefix) => prefix.startsWith("10.42."),
      maxLifetimeMs: 60_000,
    });
    monitors.push(monitor);
    await monitor.start();
    for (const s of side) {
      const c = join(dir, `${s.ns}.conf`);
      await writeFile(c, conf(join(dir, `${s.ns}.log`), s.me, s.peer, s.as, s.peerAs, s.name, s.net));
      const pidFile = join(dir, `${s.ns}.pid`);
      nets.trackPidFile(pidFile, "bird");
      await run(["bird", "-c", c, "-s", join(dir, `${s.ns}.ctl`), "-P", pidFile], {
        netns: s.ns,
        timeoutMs: 10_000,
      });
    }
    const sessions = () => events.filter((e) => e.kind === "session");
    const upMs = await until(
      () => sessions().filter((e) => e.state === "up").length === 2,
      "both sides up",
      10_000,
    );
    t.log(`both sides up ${upMs} ms after start`);
    await until(() => routes.some((r) => r.kind === "route" && r.change === "add"), "route add", 3000);

    const cut = Date.now();
    await run(["iptables", "-A", "INPUT", "-i", "eth0", "-j", "DROP"], { netns: a });
    await until(
      () => sessions().some((e) => e.state === "down" && e.owner === "router-mine"),
      "down on a",
      6000,
    );
    const down = sessions().find((e) => e.state === "down" && e.owner === "router-mine");
    t.like(down, {
      kind: "session",
      peer: "router_home",
      state: "down",
      detail: "Hold timer expired",
      source: "bird-log",
    });
    const detectMs = (down?.t ?? 0) - cut;
    t.log(`down ${detectMs.toFixed(0)} ms after the drop (hold 3, keepalive 1: expect about 1250..3000)`);
    t.true(detectMs > 1000 && detectMs < 3600, `detected after ${detectMs} ms`);
    // The kernel route goes when the protocol reaches `down` (3 s after `stop` here).
    await until(() => routes.some((r) => r.kind === "route" && r.change === "del"), "route del", 6000);
    const add = routes.find((r) => r.kind === "route" && r.change === "add");
    const del = routes.find((r) => r.kind === "route" && r.change === "del");
    t.like(add, { router: "router-mine", prefix: "10.42.3.0/24", via: "10.99.0.2", source: "netlink" });
    t.like(del, { prefix: "10.42.3.0/24", change: "del" });
    t.log(`route removed ${((del?.t ?? 0) - (down?.t ?? 0)).toFixed(0)} ms after the session went down`);
    t.true((del?.t ?? 0) >= (down?.t ?? 0));
    // Event times come from the daemons' own stamps, not from when we read them.
    t.true(sessions().every((e) => e.t <= Date.now() && e.t > cut - 15_000));
  });
}
