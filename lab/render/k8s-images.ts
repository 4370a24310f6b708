// The Kubernetes the clab runtime's nodes run, pinned once: the kind node image, the k3s image
// and the version they both carry. Rendered into the containerlab topology (k8s-kind `image`),
// the kind config (every node's `image`) and the k3d config (`image`); lab/runtime/clab/versions.ts
// re-exports it with the other pinned versions.
//
// - Why 1.33: Cilium 1.18 is e2e tested on Kubernetes 1.30, 1.31, 1.32 and 1.33 (cilium/cilium
//   v1.18 Documentation/network/kubernetes/compatibility.rst); 1.33 is the newest of them, and
//   since 1.32 node-monitor-grace-period defaults to 50 s (kubernetes/kubernetes PR #126287), the
//   figure the lab's node lifecycle uses. Unpinned, containerlab 0.79 (its go.mod: sigs.k8s.io/kind
//   v0.31.0) would start kind's default image, Kubernetes 1.35, which Cilium 1.18 is not tested on.
// - kind node image: kind pins node images by digest, and supports an image only with the kind
//   release it was built for. This digest is the v1.33.7 image listed under "Images pre-built for
//   this release" in kind v0.31.0's release notes, the kind containerlab 0.79 embeds.
// - k3s: the same Kubernetes patch release, k3s's first build of it (k3s-io/k3s v1.33.7+k3s1; the
//   image tag spells "+" as "-").

/** The Kubernetes release of every node, without the v. */
export const KUBERNETES_VERSION = "1.33.7";
export const KIND_NODE_IMAGE =
  "kindest/node:v1.33.7@sha256:d26ef333bdb2cbe9862a0f7c3803ecc7b4303d8cea8e814b481b09949d353040";
export const K3S_IMAGE = "rancher/k3s:v1.33.7-k3s1";
/** Where the pin comes from, one line for rendered file headers and README. */
export const KUBERNETES_PIN_SOURCE =
  "newest Kubernetes Cilium 1.18 is tested on (its compatibility docs: 1.30-1.33); kind image by digest from kind v0.31.0's release notes";
