// Pod CIDRs a cluster allocated otherwise than the topology: expectations are asked with the
// lab's prefix, route events are reported with the topology's, and the engine's map says which.
import test from "ava";
import { podCidrMap } from "../../../lab/scenario/engine.ts";
import { PodCidrs } from "../../../lab/scenario/pod-cidrs.ts";
import type { LabEvent } from "../../../lab/scenario/types.ts";
import { loadLab } from "../../../lab/topology/load.ts";

const lab = await loadLab();

test("the map holds only the nodes whose CIDR differs", (t) => {
  const same = new Map(lab.nodes.map((n) => [n.name, [n.podCidr.text]]));
  t.deepEqual(podCidrMap(lab, same), new Map());
  const kind = new Map([
    ["sakamoto", ["10.42.0.0/24"]],
    ["nano", ["10.42.1.0/24"]],
    ["yuuko-k8s", ["10.42.2.0/24"]],
  ]);
  t.deepEqual(podCidrMap(lab, kind), new Map([["10.42.3.0/24", "10.42.2.0/24"]]));
  t.deepEqual(podCidrMap(lab, new Map()), new Map(), "a node with no allocation yet keeps its own");
});

test("expectations go out in the lab's prefix, events come back in the topology's", (t) => {
  const c = new PodCidrs(new Map([["10.42.3.0/24", "10.42.2.0/24"]]));
  t.false(c.identity);
  t.true(new PodCidrs().identity);
  const route = {
    kind: "route" as const,
    on: "router-mine",
    prefix: "10.42.3.0/24",
    table: "fib" as const,
    present: true,
  };
  t.deepEqual(c.expectation(route), { ...route, prefix: "10.42.2.0/24" });
  const ping = { kind: "ping" as const, from: "a", to: "b", ok: true };
  t.is(c.expectation(ping), ping);
  const event: LabEvent = {
    t: 1,
    kind: "route",
    router: "router-mine",
    prefix: "10.42.2.0/24",
    change: "del",
    source: "netlink",
  };
  t.deepEqual(c.event(event), { ...event, prefix: "10.42.3.0/24" });
  const other: LabEvent = { ...event, prefix: "10.42.0.0/24" };
  t.is(c.event(other), other, "a prefix that was not remapped is left as it is");
  t.is(c.describe(), "10.42.3.0/24 is 10.42.2.0/24 in this lab");
});
