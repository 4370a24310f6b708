// The topology's `services:`: LoadBalancer Services whose addresses a CiliumBGPAdvertisement of
// type Service advertises. Each address must be one the lab can route to its backends without
// confusion: not inside a pod CIDR, the service CIDR (ClusterIPs), a site's LAN or the ZeroTier
// network, and used by one Service only. Backends are pods by name.
import { closest, type Diagnostics } from "../config/diagnostics.ts";
import * as ip from "./ipv4.ts";
import type { Cidr, K8sNode, LbService, SourceRef } from "./model.ts";

export interface RawService {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  type?: "LoadBalancer";
  loadBalancerIPs?: string[];
  externalIPs?: string[];
  externalTrafficPolicy?: "Cluster" | "Local";
  backends: string[];
}

/** The prefixes a Service address must stay out of, each with what it is. */
export interface ReservedPrefixes {
  cluster: Cidr;
  service: Cidr;
  zerotier: Cidr;
  sites: ReadonlyMap<string, Cidr>;
}

export function buildServices(
  raw: readonly RawService[],
  nodes: readonly K8sNode[],
  reserved: ReservedPrefixes,
  at: (path: string) => SourceRef,
  diags: Diagnostics,
): LbService[] {
  const pods = new Map(nodes.flatMap((n) => n.pods.map((p) => [p.name, p] as const)));
  const names = new Map<string, string>();
  const addresses = new Map<string, string>();
  const out: LbService[] = [];
  raw.forEach((s, i) => {
    const path = `services[${i}]`;
    const namespace = s.namespace ?? "default";
    const key = `${namespace}/${s.name}`;
    const first = names.get(key);
    if (first)
      diags.add(
        at(`${path}.name`),
        `${path}.name`,
        `duplicate Service ${key}`,
        `also declared at ${first}; a Service name is unique in its namespace`,
      );
    else names.set(key, `${path} (line ${at(path).line})`);
    const backends: LbService["backends"] = [];
    s.backends.forEach((name, k) => {
      const pod = pods.get(name);
      if (pod) {
        backends.push({ pod: pod.name, node: pod.node, address: pod.address });
        return;
      }
      const guess = closest(name, [...pods.keys()]);
      diags.add(
        at(`${path}.backends[${k}]`),
        `${path}.backends[${k}]`,
        `unknown pod "${name}"`,
        guess ? `did you mean "${guess}"? pods are named <node>-pod<k>` : "pods are named <node>-pod<k>",
      );
    });
    const checkAddress = (addr: string, field: string) => {
      const where = at(field);
      if (!ip.isIPv4(addr)) {
        diags.add(where, field, `"${addr}" is not an IPv4 address`, "write it as a.b.c.d");
        return;
      }
      const inside = insideReserved(addr, reserved);
      if (inside)
        diags.add(
          where,
          field,
          `${addr} is inside ${inside}`,
          "a Service address is its own /32: pick one outside the pod and service CIDRs, the LANs and the ZeroTier network, e.g. from 10.99.0.0/24",
        );
      const used = addresses.get(addr);
      if (used)
        diags.add(
          where,
          field,
          `${addr} is already used by ${used}`,
          "each Service address belongs to one Service",
        );
      else addresses.set(addr, `${field} (Service ${key})`);
    };
    for (const [k, a] of (s.loadBalancerIPs ?? []).entries())
      checkAddress(a, `${path}.loadBalancerIPs[${k}]`);
    for (const [k, a] of (s.externalIPs ?? []).entries()) checkAddress(a, `${path}.externalIPs[${k}]`);
    out.push({
      name: s.name,
      namespace,
      labels: { ...(s.labels ?? {}) },
      loadBalancerIPs: [...(s.loadBalancerIPs ?? [])],
      externalIPs: [...(s.externalIPs ?? [])],
      externalTrafficPolicy: s.externalTrafficPolicy ?? "Cluster",
      backends,
      source: at(path),
    });
  });
  return out;
}

function insideReserved(addr: string, r: ReservedPrefixes): string | null {
  if (ip.contains(r.cluster, addr)) return `the cluster pod CIDR ${r.cluster.text}`;
  if (ip.contains(r.service, addr)) return `the service CIDR ${r.service.text} (ClusterIPs)`;
  if (ip.contains(r.zerotier, addr)) return `the ZeroTier network ${r.zerotier.text}`;
  for (const [site, lan] of r.sites)
    if (ip.contains(lan, addr)) return `the LAN of site "${site}" ${lan.text}`;
  return null;
}
