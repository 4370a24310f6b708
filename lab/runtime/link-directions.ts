// The ZeroTier link's directions as every runtime names them: "<site>-><site>", the relay's
// partitions on netns and the nftables cuts on clab alike.
import type { Lab } from "../topology/model.ts";
import { LabError } from "../util/errors.ts";

/** The two directions ("<site>-><site>") between two routers. */
export function pairDirections(lab: Lab, routers: readonly [string, string]): [string, string] {
  const [a, b] = routers.map((name) => {
    const site = lab.routers.find((r) => r.name === name)?.site;
    if (!site) throw new LabError(`no router named ${name} in lab ${lab.name}`);
    return site;
  }) as [string, string];
  return [`${a}->${b}`, `${b}->${a}`];
}
