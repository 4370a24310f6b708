// The topology's internet paths (zerotier.paths) on the clab runtime. Its ZeroTier link is one
// interface per router, so a path can only be netem on the sending router's zt0 egress: one
// impairment per router, the path of its site's first peer. A site whose paths differ gets a
// warning instead (the netns relay keeps one path per site pair).
import type { Impairment } from "../../emulate/zerotier/impairment.ts";
import { pathBaselines } from "../../emulate/zerotier/wan-path.ts";
import type { Lab } from "../../topology/model.ts";

export interface RouterBaselines {
  /** Router -> the egress impairment of its zt0; a router without a path has none. */
  byRouter: Map<string, Partial<Impairment>>;
  warnings: string[];
}

export function routerBaselines(lab: Lab): RouterBaselines {
  const byRouter = new Map<string, Partial<Impairment>>();
  const warnings: string[] = [];
  const directions = pathBaselines(lab.zerotier.paths);
  for (const site of lab.sites) {
    const mine = directions.filter((d) => d.direction.startsWith(`${site.name}->`));
    const [first] = mine;
    if (!first) continue;
    byRouter.set(site.router, first.impairment);
    const differing = mine.filter((d) => JSON.stringify(d.impairment) !== JSON.stringify(first.impairment));
    if (differing.length)
      warnings.push(
        `zerotier.paths: ${site.router}'s zt0 is one link on the clab runtime, so all its paths get ${first.direction}'s figures (${differing.map((d) => d.direction).join(", ")} differ); the netns runtime keeps one path per site pair`,
      );
  }
  return { byRouter, warnings };
}
