// What produced a clab lab's figures, read from the running components where they can say it:
// the API server's version, the image of the Cilium DaemonSet, containerlab's own; BIRD from the
// router image's tag, the kernel from the host (containers share it). A component that does not
// answer is left out rather than guessed.
import { release } from "node:os";
import { ROUTER_IMAGE } from "../../docker/router-image.ts";
import { CILIUM_GOBGP } from "../../gobgp/binary.ts";
import type { ComponentVersions } from "../kind.ts";
import type { ClabPaths } from "./paths.ts";
import { kubectl } from "./plan.ts";
import type { ExternalTools } from "./tools.ts";

/** `kubectl version -o json` -> the server's gitVersion without the v ("1.33.1"). */
export function parseKubernetesVersion(json: string): string | null {
  try {
    const v = (JSON.parse(json) as { serverVersion?: { gitVersion?: string } }).serverVersion?.gitVersion;
    return v ? v.replace(/^v/, "") : null;
  } catch {
    return null;
  }
}

/** "quay.io/cilium/cilium:v1.18.4@sha256:..." -> "1.18.4". */
export function parseCiliumImage(image: string): string | null {
  return /:v?(\d+\.\d+\.\d+[^@\s]*)/.exec(image)?.[1] ?? null;
}

/** `containerlab version` ("    version: 0.79.0") -> "0.79.0". */
export function parseContainerlabVersion(out: string): string | null {
  return /^\s*version:\s*v?(\S+)/m.exec(out)?.[1] ?? null;
}

export async function clabVersions(tools: ExternalTools, paths: ClabPaths): Promise<ComponentVersions> {
  const v: ComponentVersions = { runtime: "clab" };
  const bird = ROUTER_IMAGE.split(":")[1];
  if (bird) v.bird = bird;
  const out = async (argv: string[]) => {
    const r = await tools.run({ argv, timeoutMs: 15_000, allowFailure: true }).catch(() => null);
    return r?.code === 0 ? r.stdout : "";
  };
  const [k8s, image, clab] = await Promise.all([
    out(kubectl(paths, "version", "-o", "json")),
    out(
      kubectl(
        paths,
        "--namespace",
        "kube-system",
        "get",
        "daemonset",
        "cilium",
        "-o",
        "jsonpath={.spec.template.spec.containers[0].image}",
      ),
    ),
    out(["containerlab", "version"]),
  ]);
  const kubernetes = parseKubernetesVersion(k8s);
  if (kubernetes) v.kubernetes = kubernetes;
  const cilium = parseCiliumImage(image);
  if (cilium) v.cilium = cilium;
  // Cilium 1.18's go.mod pins github.com/osrg/gobgp/v3 v3.37.0 (docs/facts.md); other series unknown.
  if (cilium?.startsWith("1.18.")) v.gobgp = CILIUM_GOBGP;
  const containerlab = parseContainerlabVersion(clab);
  if (containerlab) v.containerlab = containerlab;
  v.kernel = release();
  return v;
}
