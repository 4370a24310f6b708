// The clab runtime's test pods: one Pod per pod of the topology, named like it, pinned with
// spec.nodeName to the kind/k3d node that stands for its topology node. Bare Pods rather than a
// Deployment or DaemonSet: the convergence checks and scenarios address pods by the topology's
// names (crossSitePodPairs), which a controller would replace with generated ones; nodeName also
// bypasses the scheduler, so a pod lands on its node even while the node is still NotReady.
//
// The image only needs sh, sleep and ping (busybox by default). NET_RAW is added explicitly for
// ping, since a cluster may drop it from the runtime's default capabilities. Pod IPs come from
// Cilium's IPAM out of the node's allocated pod CIDR, not from the topology's pod addresses.
import yaml from "js-yaml";
import type { Artifact } from "../../render/artifact.ts";
import { clusterMembers } from "../../render/k8s-cluster.ts";
import type { Lab } from "../../topology/model.ts";
import { LabError } from "../../util/errors.ts";
import type { K8sDistributionName } from "./distributions.ts";
import { TEST_PODS_PATH } from "./paths.ts";
import { DEFAULT_POD_IMAGE } from "./versions.ts";

export interface TestPodsOptions {
  k8s: K8sDistributionName;
  /** kind/k3d cluster name; default the lab's name. */
  cluster?: string;
  image?: string;
}

/** Label every test pod carries, with the topology node as value. */
export const NODE_LABEL = "xsite.lab/node";
export const PART_OF = "xsite-lab";

export function testPodNamespace(lab: Pick<Lab, "name">): string {
  return `${lab.name}-probes`;
}

/** A DNS-1123 label: what Kubernetes accepts as a namespace and (with the hostname) a pod name. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function testPodManifests(lab: Lab, opts: TestPodsOptions): Record<string, unknown>[] {
  const namespace = testPodNamespace(lab);
  const image = opts.image ?? DEFAULT_POD_IMAGE;
  const members = clusterMembers(lab, opts.k8s, opts.cluster ?? lab.name);
  const docs: Record<string, unknown>[] = [
    {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: namespace, labels: { "app.kubernetes.io/part-of": PART_OF } },
    },
  ];
  for (const m of members) {
    for (const pod of m.node.pods) {
      if (!DNS_LABEL.test(pod.name))
        throw new LabError(
          `pod "${pod.name}" of node ${m.node.name} cannot be a Kubernetes pod name`,
          "node names must be lowercase letters, digits and '-' for the clab runtime",
        );
      docs.push({
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
          name: pod.name,
          namespace,
          labels: {
            "app.kubernetes.io/name": "probe",
            "app.kubernetes.io/part-of": PART_OF,
            [NODE_LABEL]: m.node.name,
          },
        },
        spec: {
          nodeName: m.container,
          // Control-plane and not-ready taints must not keep a probe off its node.
          tolerations: [{ operator: "Exists" }],
          terminationGracePeriodSeconds: 0,
          automountServiceAccountToken: false,
          containers: [
            {
              name: "probe",
              image,
              imagePullPolicy: "IfNotPresent",
              command: ["sh", "-c", "trap 'exit 0' TERM INT; while true; do sleep 3600 & wait $!; done"],
              securityContext: { capabilities: { add: ["NET_RAW"] } },
              resources: { requests: { cpu: "5m", memory: "8Mi" } },
            },
          ],
        },
      });
    }
  }
  if (!DNS_LABEL.test(namespace)) throw new LabError(`namespace "${namespace}" is not a valid name`);
  return docs;
}

export function renderTestPods(lab: Lab, opts: TestPodsOptions): Artifact {
  const docs = testPodManifests(lab, opts);
  const header = [
    `# Test pods of lab "${lab.name}" (${opts.k8s}), rendered from the lab model; do not edit.`,
    "# One Pod per topology pod, pinned to its node with spec.nodeName.",
  ];
  return {
    path: TEST_PODS_PATH,
    description: `${docs.length - 1} test pods for ${lab.name} in namespace ${testPodNamespace(lab)}`,
    content: `${header.join("\n")}\n${docs.map((d) => `---\n${yaml.dump(d, { lineWidth: -1, noRefs: true })}`).join("")}`,
  };
}
