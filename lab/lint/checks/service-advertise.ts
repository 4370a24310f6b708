// A Service advertisement that advertises nothing: Cilium matches no Service when the entry has
// no `selector` or no `service` block (cilium/cilium pkg/bgpv1/manager/reconcilerv2/service.go,
// getServicePrefixes), and a selector matching none of the topology's Services originates no
// route either. Both are silent in Cilium: the LoadBalancer IP is simply never reachable.
import { type AdvertisementEntry, selectsService, serviceLabelSet } from "../../cilium/service-routes.ts";
import { manifestPosition } from "../../topology/positions.ts";
import type { LintContext } from "../context.ts";
import { type Finding, finding } from "../finding.ts";

export function serviceAdvertisementSelectsNothing(ctx: LintContext): Finding[] {
  const out: Finding[] = [];
  const services = ctx.lab.services;
  for (const m of ctx.lab.cilium) {
    if (m.kind !== "CiliumBGPAdvertisement") continue;
    const ads = ((m.spec as { advertisements?: AdvertisementEntry[] }).advertisements ?? []).entries();
    for (const [i, ad] of ads) {
      if (ad.advertisementType !== "Service") continue;
      const path = `spec.advertisements[${i}]`;
      const missing = !ad.selector ? "selector" : !ad.service ? "service" : null;
      if (missing) {
        out.push(
          finding("service-advertisement-selects-nothing", "warn", manifestPosition(m, path), {
            message: `CiliumBGPAdvertisement ${m.metadata.name}: the Service advertisement at ${path} has no \`${missing}\``,
            consequence: "Cilium advertises no Service address for it",
            fix:
              missing === "selector"
                ? "add a selector (e.g. matchLabels of the Service, or io.kubernetes.service.name: <name>)"
                : "add service.addresses, e.g. [LoadBalancerIP]",
          }),
        );
        continue;
      }
      if (services.some((s) => selectsService(ad, s))) continue;
      const known = services.map((s) => `${s.namespace}/${s.name} (${labelText(serviceLabelSet(s))})`);
      out.push(
        finding("service-advertisement-selects-nothing", "warn", manifestPosition(m, `${path}.selector`), {
          message: `CiliumBGPAdvertisement ${m.metadata.name}: the selector at ${path}.selector matches none of the topology's Services`,
          consequence: known.length
            ? `no LoadBalancer IP is advertised for it; Services: ${known.join("; ")}`
            : "no LoadBalancer IP is advertised for it: the topology declares no `services:`",
          fix: "match a Service's labels, or declare the Service under `services:` in the topology",
        }),
      );
    }
  }
  return out;
}

function labelText(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
}
