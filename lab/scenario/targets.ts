// Names in scenarios (routers, nodes, pods) to namespaces and addresses.

import { nsName } from "../runtime/netns/plan.ts";
import { isIPv4 } from "../topology/ipv4.ts";
import type { Lab } from "../topology/model.ts";
import { LabError } from "../util/errors.ts";

export function namespaceOf(lab: Lab, element: string): string {
  return nsName(lab.name, element);
}

/** The address a probe aims at: a pod's or node's address, a router's LAN address, or a literal IP. */
export function addressOf(lab: Lab, target: string): string {
  if (isIPv4(target)) return target;
  const router = lab.routers.find((r) => r.name === target);
  if (router) return router.lanAddress;
  const node = lab.nodes.find((n) => n.name === target);
  if (node) return node.address;
  const pod = lab.nodes.flatMap((n) => n.pods).find((p) => p.name === target);
  if (pod) return pod.address;
  throw new LabError(`no router, node or pod named ${target}`);
}
