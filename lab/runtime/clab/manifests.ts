// The lab's Cilium BGP manifests as one YAML stream for `kubectl apply -f -`: what the cluster
// must hold for a scenario variant (e.g. graceful restart switched on in the PeerConfig). Only
// the fields Kubernetes reads; the loader's source references stay out.
import yaml from "js-yaml";
import type { Lab } from "../../topology/model.ts";

export function ciliumManifestsYaml(lab: Pick<Lab, "cilium" | "secrets">): string {
  // Secrets first: the agent reads a PeerConfig's authSecretRef when it reconciles the peer.
  const docs = [
    ...lab.secrets.map((s) => s.manifest),
    ...lab.cilium.map((m) => ({
      apiVersion: m.apiVersion,
      kind: m.kind,
      metadata: m.metadata,
      spec: m.spec,
    })),
  ];
  return docs
    .map((doc) => yaml.dump(doc, { noRefs: true, lineWidth: -1 }))
    .map((doc) => `---\n${doc}`)
    .join("");
}
