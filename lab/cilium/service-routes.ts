// Which Service addresses a node's speaker advertises, decided as Cilium's BGP control plane v2
// service reconciler does (cilium/cilium pkg/bgpv1/manager/reconcilerv2/service.go):
// - an advertisement without `selector` or without `service` matches no Service
//   (getServicePrefixes); an empty selector {} matches every Service;
// - the selector is matched against the Service's labels plus io.kubernetes.service.name and
//   io.kubernetes.service.namespace (serviceLabelSet), which is how one Service is picked by name
//   and why `NotIn` on a value no Service carries selects them all;
// - LoadBalancerIP: the Service's load-balancer ingress IPs, only for type LoadBalancer
//   (getLBSvcPaths); ExternalIP: its spec.externalIPs, whatever its type (getExternalIPPaths);
//   each as a /32;
// - with externalTrafficPolicy Local, only a node with a local, non-terminating backend
//   advertises them (populateLocalServices, hasLocalEndpoints); with Cluster every node does.
import type { LbService } from "../topology/model.ts";
import { type AttributesSpec, type PathAttributes, pathAttributes } from "./attributes.ts";
import { type LabelSelector, matchesSelector } from "./selector.ts";

/** One entry of a CiliumBGPAdvertisement's spec.advertisements. */
export interface AdvertisementEntry {
  advertisementType: string;
  selector?: LabelSelector;
  service?: { addresses?: string[] };
  attributes?: AttributesSpec;
}

/** The service address types the netns runtime emulates (ClusterIP is refused: field-support.ts). */
export const EMULATED_SERVICE_ADDRESSES = ["LoadBalancerIP", "ExternalIP"] as const;

/** The labels an advertisement's selector sees on a Service. */
export function serviceLabelSet(svc: LbService): Record<string, string> {
  return {
    ...svc.labels,
    "io.kubernetes.service.name": svc.name,
    "io.kubernetes.service.namespace": svc.namespace,
  };
}

/** Whether the advertisement's selector picks the Service (no selector or service: never). */
export function selectsService(ad: AdvertisementEntry, svc: LbService): boolean {
  if (ad.advertisementType !== "Service" || !ad.selector || !ad.service) return false;
  return matchesSelector(ad.selector, serviceLabelSet(svc));
}

export function hasLocalBackend(svc: LbService, node: string): boolean {
  return svc.backends.some((b) => b.node === node);
}

/** The /32s `node` advertises for one Service through one advertisement. */
export function servicePrefixes(ad: AdvertisementEntry, svc: LbService, node: string): string[] {
  if (!selectsService(ad, svc)) return [];
  if (svc.externalTrafficPolicy === "Local" && !hasLocalBackend(svc, node)) return [];
  const out: string[] = [];
  for (const kind of ad.service?.addresses ?? []) {
    if (kind === "LoadBalancerIP") out.push(...svc.loadBalancerIPs.map((a) => `${a}/32`));
    if (kind === "ExternalIP") out.push(...svc.externalIPs.map((a) => `${a}/32`));
  }
  return out;
}

export interface ServiceRoute {
  prefix: string;
  service: LbService;
  /** One entry per advertisement that yields the prefix. */
  attributes: PathAttributes[];
}

/** Every Service /32 `node` advertises through the given advertisements, with their attributes. */
export function serviceRoutes(
  ads: readonly AdvertisementEntry[],
  services: readonly LbService[],
  node: string,
): ServiceRoute[] {
  const byPrefix = new Map<string, ServiceRoute>();
  for (const ad of ads)
    for (const svc of services)
      for (const prefix of new Set(servicePrefixes(ad, svc, node))) {
        const route = byPrefix.get(prefix) ?? { prefix, service: svc, attributes: [] };
        route.attributes.push(pathAttributes(ad.attributes));
        byPrefix.set(prefix, route);
      }
  return [...byPrefix.values()];
}
