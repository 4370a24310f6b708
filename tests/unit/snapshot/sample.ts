// A small snapshot of the seed's shape for unit tests of the normaliser, the diff and the guards.
import type { Snapshot, TableRoute } from "../../../lab/snapshot/model.ts";

export function bgpRoute(
  prefix: string,
  protocol: string,
  nextHop: string,
  asPath: number[],
  best = true,
): TableRoute {
  return {
    table: "master4",
    prefix,
    protocol,
    best,
    kind: "unicast",
    nextHop,
    iface: null,
    asPath,
    origin: "IGP",
    med: null,
    localPref: 100,
    communities: [],
    largeCommunities: [],
  };
}

const session = (protocol: string, peer: string, peerAs: number, localAs: number) => ({
  protocol,
  peer,
  peerAs,
  localAs,
  state: "Established",
  holdTime: 240,
  keepalive: 80,
  gracefulRestart: true,
  bfd: null,
  importFilter: "ACCEPT",
  exportFilter: "ACCEPT",
});

export function sampleSnapshot(): Snapshot {
  return {
    version: 1,
    routers: [
      {
        router: "router-home",
        sessions: [
          session("yuuko_k8s", "192.168.0.81", 64514, 64515),
          session("router_mine", "192.168.191.12", 64513, 64515),
        ],
        routes: [
          bgpRoute("10.42.3.0/24", "yuuko_k8s", "192.168.0.81", [64514]),
          bgpRoute("10.42.0.0/24", "router_mine", "192.168.191.12", [64513, 64514]),
          bgpRoute("10.42.1.0/24", "router_mine", "192.168.191.12", [64513, 64514]),
        ],
        exports: {
          router_mine: [{ prefix: "10.42.3.0/24", nextHop: "192.168.0.81", asPath: [64514] }],
          yuuko_k8s: [
            { prefix: "10.42.0.0/24", nextHop: "192.168.191.12", asPath: [64513, 64514] },
            { prefix: "10.42.1.0/24", nextHop: "192.168.191.12", asPath: [64513, 64514] },
          ],
        },
        fib: [
          { dst: "10.42.3.0/24", gateway: "192.168.0.81", dev: "lan0", protocol: "bird" },
          { dst: "10.42.0.0/24", gateway: "192.168.191.12", dev: "zt0", protocol: "bird" },
          { dst: "10.42.1.0/24", gateway: "192.168.191.12", dev: "zt0", protocol: "bird" },
        ],
      },
      {
        router: "router-mine",
        sessions: [
          session("router_home", "192.168.191.10", 64515, 64513),
          session("sakamoto", "192.168.6.80", 64514, 64513),
          session("nano", "192.168.6.81", 64514, 64513),
        ],
        routes: [
          bgpRoute("10.42.3.0/24", "router_home", "192.168.191.10", [64515, 64514]),
          bgpRoute("10.42.0.0/24", "sakamoto", "192.168.6.80", [64514]),
          bgpRoute("10.42.1.0/24", "nano", "192.168.6.81", [64514]),
        ],
        exports: {
          router_home: [
            { prefix: "10.42.0.0/24", nextHop: "192.168.6.80", asPath: [64514] },
            { prefix: "10.42.1.0/24", nextHop: "192.168.6.81", asPath: [64514] },
          ],
          sakamoto: [{ prefix: "10.42.3.0/24", nextHop: "192.168.191.10", asPath: [64515, 64514] }],
          nano: [{ prefix: "10.42.3.0/24", nextHop: "192.168.191.10", asPath: [64515, 64514] }],
        },
        fib: [
          { dst: "10.42.3.0/24", gateway: "192.168.191.10", dev: "zt0", protocol: "bird" },
          { dst: "10.42.0.0/24", gateway: "192.168.6.80", dev: "lan0", protocol: "bird" },
          { dst: "10.42.1.0/24", gateway: "192.168.6.81", dev: "lan0", protocol: "bird" },
        ],
      },
    ],
    nodes: [
      {
        node: "yuuko-k8s",
        podCidrs: ["10.42.3.0/24"],
        sessions: [
          {
            peer: "192.168.0.1",
            instance: "home",
            peerAs: 64515,
            localAs: 64514,
            state: "established",
            received: 2,
            accepted: 2,
            advertised: 1,
          },
        ],
        advertises: ["10.42.3.0/24"],
        receives: ["10.42.1.0/24", "10.42.0.0/24"],
      },
      {
        node: "sakamoto",
        podCidrs: ["10.42.0.0/24"],
        sessions: [
          {
            peer: "192.168.6.1",
            instance: "mine",
            peerAs: 64513,
            localAs: 64514,
            state: "established",
            received: 1,
            accepted: 1,
            advertised: 1,
          },
        ],
        advertises: ["10.42.0.0/24"],
        receives: ["10.42.3.0/24"],
      },
    ],
    reachability: [
      {
        from: "sakamoto-pod1",
        to: "yuuko-k8s-pod1",
        fromNode: "sakamoto",
        toNode: "yuuko-k8s",
        icmp: true,
        tcp: true,
      },
      {
        from: "yuuko-k8s-pod1",
        to: "sakamoto-pod1",
        fromNode: "yuuko-k8s",
        toNode: "sakamoto",
        icmp: true,
        tcp: true,
      },
    ],
  };
}
