// The clab runtime kind (full fidelity): the same topology rendered as a containerlab file,
// routers as BIRD containers, nodes as kind or k3d containers running real Cilium, driven through
// dockerode. See up.ts and down.ts, and fidelity.ts for what it does less faithfully than the
// real sites.
import type { Lab } from "../../topology/model.ts";
import { UsageError } from "../../util/errors.ts";
import type { KindOptions, RuntimeKind } from "../kind.ts";
import { isK8sDistribution, K8S_DISTRIBUTIONS } from "./distributions.ts";
import { ClabHandle } from "./handle.ts";
import { clabLabFindings, clabLabStates } from "./leftovers.ts";
import { clabLabUp } from "./paths.ts";

export const clabKind: RuntimeKind = {
  name: "clab",
  summary: "containerlab + kind or k3d + real Cilium, containers driven through dockerode",
  options: {
    k8s: `Kubernetes distribution: ${K8S_DISTRIBUTIONS.join(" or ")} (default kind)`,
    "pod-image": "image of the test pods (default busybox)",
  },
  labTitle: "clab lab",
  startHint: "sudo make lab-up RUNTIME=clab",
  checkOptions(options: KindOptions): void {
    const k8s = options.k8s;
    if (k8s !== undefined && !isK8sDistribution(k8s))
      throw new UsageError(
        `--k8s "${k8s}" is not supported`,
        `supported distributions are: ${K8S_DISTRIBUTIONS.join(", ")}`,
      );
  },
  open(lab: Lab, options: KindOptions = {}): ClabHandle {
    clabKind.checkOptions(options);
    const k8s = options.k8s;
    return new ClabHandle(clabKind, lab, {
      ...(k8s !== undefined && isK8sDistribution(k8s) ? { k8s } : {}),
      ...(options["pod-image"] !== undefined ? { podImage: options["pod-image"] } : {}),
    });
  },
  labUp(labName: string): boolean {
    return clabLabUp(labName);
  },
  // Its tools are checked by doctor's clab section (informational: none is required).
  requiredCommands: [],
  async leftoverFindings(probe, labsRoot) {
    return clabLabFindings(clabLabStates(labsRoot), probe.uid === 0 ? "" : "sudo ");
  },
};
