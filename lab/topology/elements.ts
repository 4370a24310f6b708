// Names in the model: the rule for a lab's name, the elements by name, the address a probe aims at.
import { LabError } from "../util/errors.ts";
import { isIPv4 } from "./ipv4.ts";
import type { Lab } from "./model.ts";

/** A lab name (the topology schema's and `--name`'s rule). It holds no "-", so a lab's prefix
 * of namespace and container names is unambiguous. */
export const LAB_NAME = /^[a-z][a-z0-9]{0,7}$/;

/** A pod's or node's address, a router's LAN address, or a literal IP, as the topology has them. */
export function addressInModel(lab: Lab, target: string): string {
  if (isIPv4(target)) return target;
  const router = lab.routers.find((r) => r.name === target);
  if (router) return router.lanAddress;
  const node = lab.nodes.find((n) => n.name === target);
  if (node) return node.address;
  const pod = lab.nodes.flatMap((n) => n.pods).find((p) => p.name === target);
  if (pod) return pod.address;
  throw new LabError(`no router, node or pod named ${target}`);
}

/** Every element `lab exec` and scenarios may name: routers, nodes, pods. */
export function elementNames(lab: Lab): string[] {
  return [
    ...lab.routers.map((r) => r.name),
    ...lab.nodes.map((n) => n.name),
    ...lab.nodes.flatMap((n) => n.pods.map((p) => p.name)),
  ];
}
