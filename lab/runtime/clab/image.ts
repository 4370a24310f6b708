// The router image the containerlab topology names must exist before `containerlab deploy`
// (containerlab would otherwise try to pull it, and no registry serves it). Built once with the
// Docker layer: from images/router/Dockerfile where the base image can be had, else offline
// from a debootstrap root filesystem.
import type Docker from "dockerode";
import { statusOf } from "../../docker/errors.ts";
import {
  buildRouterImage,
  chooseMethod,
  PACKAGES_LABEL,
  packagesLabelValue,
  ROUTER_IMAGE,
} from "../../docker/router-image.ts";
import { DEFAULT_ROUTER_IMAGE } from "../../render/clab.ts";
import { LabError } from "../../util/errors.ts";
import type { ProgressSink } from "../../util/progress.ts";

export interface EnsuredImage {
  tag: string;
  built: boolean;
  method?: "dockerfile" | "offline";
}

export async function ensureRouterImage(docker: Docker, progress?: ProgressSink): Promise<EnsuredImage> {
  const tag = DEFAULT_ROUTER_IMAGE;
  try {
    const info = await docker.getImage(tag).inspect();
    const packages = info.Config?.Labels?.[PACKAGES_LABEL];
    if (packages === packagesLabelValue()) return { tag, built: false };
    // Built by an older lab (e.g. before nftables, which the ZeroTier outage needs): rebuild.
    progress?.({
      kind: "info",
      message: `router image ${tag} has packages "${packages ?? "unknown"}", the lab needs "${packagesLabelValue()}": rebuilding`,
    });
  } catch (err) {
    if (statusOf(err) !== 404) throw err;
  }
  if (tag !== ROUTER_IMAGE)
    throw new LabError(
      `the topology names router image ${tag}, which this lab does not build (${ROUTER_IMAGE})`,
    );
  const method = await chooseMethod(docker);
  progress?.({ kind: "info", message: `router image ${tag} not present: building it (${method})` });
  await buildRouterImage({
    docker,
    method,
    tag,
    ...(progress ? { onProgress: (message: string) => progress({ kind: "info", message }) } : {}),
  });
  return { tag, built: true, method };
}
