// The netns runtime kind (the default): every router, node, pod and the internet underlay is a
// Linux network namespace; real BIRD on the real configs, gobgpd configured as Cilium configures
// its embedded GoBGP, ZeroTier as VXLAN through a userspace relay. Needs Linux and root, no Docker.
import { existsSync } from "node:fs";
import type { Lab } from "../../topology/model.ts";
import { UsageError } from "../../util/errors.ts";
import type { Probe } from "../../util/machine.ts";
import type { KindOptions, RuntimeKind } from "../kind.ts";
import { workPaths } from "../workdir.ts";
import { downAll, formatRemovals } from "./down-all.ts";
import { NetnsHandle } from "./handle.ts";
import { collectLabStates, leftoverFindings } from "./leftovers.ts";
import { REQUIRED_COMMANDS } from "./prerequisites.ts";

export const netnsKind: RuntimeKind = {
  name: "netns",
  summary: "Linux network namespaces, real BIRD, GoBGP standing in for Cilium (the default)",
  options: {},
  labTitle: "lab",
  startHint: "make lab-up",
  checkOptions(options: KindOptions): void {
    const given = Object.keys(options).map((o) => `--${o}`);
    if (given.length)
      throw new UsageError(
        `${given.join(", ")}: only the clab runtime runs Kubernetes`,
        "add --runtime clab, or leave it out",
      );
  },
  open(lab: Lab): NetnsHandle {
    return new NetnsHandle(netnsKind, lab);
  },
  labUp(labName: string): boolean {
    return existsSync(workPaths(labName).journal);
  },
  requiredCommands: REQUIRED_COMMANDS,
  async leftoverFindings(probe: Probe, labsRoot: string) {
    return probe.platform === "linux" ? leftoverFindings(await collectLabStates(probe, labsRoot)) : [];
  },
  async downAll(opts) {
    const removals = await downAll(opts);
    return { data: removals, text: (ms: number) => formatRemovals(removals, ms) };
  },
};
