// Versions the clab runtime is written against, in one place. The nightly workflow
// (.github/workflows/clab-nightly.yml) installs exactly these; a unit test keeps the two equal.
//
// - containerlab 0.79: the topology schema in schemas/clab.schema.json; `deploy` on a running lab
//   reconciles in place since 0.77, so CI pins it.
// - Cilium 1.18: the first release whose BGP control plane serves the cilium.io/v2 CRDs that
//   configs/k8s/cilium/ uses.
// - kind: only its CLI's `get kubeconfig` is used (containerlab embeds kind's library to create
//   the cluster); pinned to the kind containerlab 0.79 embeds (its go.mod: sigs.k8s.io/kind v0.31.0).
// - Kubernetes: pinned in lab/render/k8s-images.ts (the rendered files use it), re-exported here.

export { K3S_IMAGE, KIND_NODE_IMAGE, KUBERNETES_VERSION } from "../../render/k8s-images.ts";

export const CONTAINERLAB_VERSION = "0.79.0";
export const KIND_VERSION = "v0.31.0";
export const K3D_VERSION = "v5.8.3";
export const KUBECTL_VERSION = "v1.34.0";
export const HELM_VERSION = "v3.18.3";
export const CILIUM_CLI_VERSION = "v0.18.8";
/** Helm chart cilium/cilium and the images it pins. */
export const CILIUM_VERSION = "1.18.4";
export const CILIUM_HELM_REPO = "https://helm.cilium.io";
/** A tiny image with sh, sleep and ping for the test pods. */
export const DEFAULT_POD_IMAGE = "busybox:1.36";
