// RouteMonitor against the kernel: routes added and removed inside a throwaway namespace are
// reported as they happen, filtered by prefix, and stop() leaves no process behind.
import test from "ava";
import { RouteMonitor } from "../../../../lab/scenario/sources/route-monitor.ts";
import type { LabEvent } from "../../../../lab/scenario/types.ts";
import { run } from "../../../../lab/util/exec.ts";
import { isAlive } from "../../../../lab/util/processes.ts";
import { sourcesSkipReason, TestNetns, until } from "../../../fixtures/sources/netns.ts";
import { integrationTests } from "../../../helpers/root.ts";

const skip = sourcesSkipReason([]);
integrationTests("sources-route-monitor", skip);

if (!skip) {
  const nets = new TestNetns(`ltsrc${process.pid}r`);
  const monitors: RouteMonitor[] = [];

  test.after.always(async () => {
    for (const m of monitors) await m.stop();
    await nets.cleanup();
  });

  test.serial("add and del of routes, filtered, with kernel-side timestamps", async (t) => {
    const ns = await nets.add("x");
    // Both veth ends in the same namespace: a link with a gateway to route through.
    await run(["ip", "link", "add", "v0", "type", "veth", "peer", "name", "v1"], { netns: ns });
    await run(["ip", "addr", "add", "10.99.2.1/30", "dev", "v0"], { netns: ns });
    for (const dev of ["v0", "v1"]) await run(["ip", "link", "set", dev, "up"], { netns: ns });
    await run(["ip", "route", "add", "10.42.199.0/24", "via", "10.99.2.2"], { netns: ns });

    const events: LabEvent[] = [];
    const errors: Error[] = [];
    const m = new RouteMonitor({
      netns: ns,
      router: "router-x",
      onEvent: (e) => events.push(e),
      onError: (e) => errors.push(e),
      filter: (prefix) => prefix.startsWith("10.42."),
      maxLifetimeMs: 30_000,
    });
    monitors.push(m);
    await m.start();
    const pid = m.pid;
    t.truthy(pid);

    const before = Date.now();
    await run(["ip", "route", "add", "10.42.200.0/24", "via", "10.99.2.2"], { netns: ns });
    await run(["ip", "route", "add", "10.99.3.0/24", "via", "10.99.2.2"], { netns: ns });
    await run(["ip", "route", "add", "blackhole", "10.42.201.0/24"], { netns: ns });
    await run(["ip", "route", "del", "10.42.200.0/24"], { netns: ns });
    await run(["ip", "route", "del", "10.42.201.0/24"], { netns: ns });
    const after = Date.now();
    await until(() => events.length >= 4, "four route events", 3000);
    t.deepEqual(
      events.map((e) => (e.kind === "route" ? [e.change, e.prefix, e.via ?? "-", e.router, e.source] : [])),
      [
        ["add", "10.42.200.0/24", "10.99.2.2", "router-x", "netlink"],
        ["add", "10.42.201.0/24", "-", "router-x", "netlink"],
        ["del", "10.42.200.0/24", "10.99.2.2", "router-x", "netlink"],
        ["del", "10.42.201.0/24", "-", "router-x", "netlink"],
      ],
      "10.42.199.0/24 existed before the start; 10.99.3.0/24 is filtered out",
    );
    t.true(
      events.every((e) => e.t >= before - 5 && e.t <= after + 5),
      "stamped when they happened",
    );
    t.true(events.every((e, i) => i === 0 || e.t >= (events[i - 1]?.t ?? 0)));

    await m.stop();
    t.false(isAlive(pid ?? 0), "the ip monitor process is gone");
    t.deepEqual(errors, []);
  });
}
