// The Kubernetes distributions the clab runtime deploys its nodes with.
export const K8S_DISTRIBUTIONS = ["kind", "k3d"] as const;
export type K8sDistributionName = (typeof K8S_DISTRIBUTIONS)[number];

export function isK8sDistribution(s: string): s is K8sDistributionName {
  return (K8S_DISTRIBUTIONS as readonly string[]).includes(s);
}
