// A router's kernel FIB as snapshot data: only what the lab's design is about (the cluster's pod
// and service CIDRs, the sites' LANs, the ZeroTier network, a default route), so the runtime's
// own plumbing (the netns relay's WAN, a container's management network) is not compared.
import type { LabHandle } from "../runtime/kind.ts";
import { containsCidr, parseCidr } from "../topology/ipv4.ts";
import type { Cidr, Lab } from "../topology/model.ts";
import type { FibEntry } from "./model.ts";

/** The lab's own address ranges. */
export function labPrefixes(lab: Lab): Cidr[] {
  return [lab.cluster.podCidr, lab.cluster.serviceCidr, ...lab.sites.map((s) => s.lan), lab.zerotier.network];
}

export function inLab(prefixes: readonly Cidr[], dst: string): boolean {
  if (dst === "0.0.0.0/0") return true;
  const c = parseCidr(dst);
  return c !== null && prefixes.some((outer) => containsCidr(outer, c));
}

export async function readFib(h: LabHandle, router: string): Promise<FibEntry[]> {
  const prefixes = labPrefixes(h.lab);
  return (await h.fib(router))
    .filter((r) => inLab(prefixes, r.dst))
    .map((r) => ({
      dst: r.dst,
      gateway: r.gateway ?? null,
      dev: r.dev ?? null,
      protocol: r.protocol ?? null,
    }));
}
