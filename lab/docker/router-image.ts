// The BIRD router image, built one of two ways that give the same result: from
// images/router/Dockerfile where a registry serves debian:bookworm-slim, or offline from a
// debootstrap root filesystem imported into the engine (docs/facts.md, "Docker without touching the host").
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Transform } from "node:stream";
import { fileURLToPath } from "node:url";
import type Docker from "dockerode";
import { LabError } from "../util/errors.ts";
import { engineMessage } from "./errors.ts";
import { ensureRootfs, type RootfsSpec } from "./rootfs.ts";
import { followProgress } from "./streams.ts";

export const ROUTER_IMAGE = "xsite/bird:2.0.12";
export const BASE_IMAGE = "debian:bookworm-slim";
/** Debian's default control socket, so a plain `birdc` in the container finds it. */
export const BIRD_SOCKET = "/run/bird/bird.ctl";
export const ROUTER_CMD = ["bird", "-f", "-c", "/etc/bird/bird.conf", "-s", BIRD_SOCKET];
export const ROUTER_ROOTFS: RootfsSpec = {
  suite: "bookworm",
  variant: "minbase",
  // nftables: the clab runtime's silent ZeroTier outage (lab/runtime/clab/zt-fault.ts).
  // ethtool, fping, make, procps: the netns runtime's further commands. The runner image
  // (lab/runner/image.ts) starts from this same root filesystem: one debootstrap serves both.
  // iperf3: the relay's throughput in `make bench` inside a runner container.
  include: ["bird2", "iproute2", "iputils-ping", "nftables", "ethtool", "fping", "make", "procps", "iperf3"],
  mkdirs: ["run/bird"],
};
const REPO = join(dirname(fileURLToPath(import.meta.url)), "../..");
export const ROUTER_CONTEXT = join(REPO, "images/router");
/** The repository's .lab/cache (git-ignored), wherever the command runs from. */
export const DEFAULT_CACHE_DIR = join(REPO, ".lab/cache");

export type BuildMethod = "dockerfile" | "offline";

export interface BuildRouterImageOptions {
  docker: Docker;
  method: BuildMethod;
  tag?: string;
  /** Where the offline method keeps the root filesystem tarball. */
  cacheDir?: string;
  /** Offline: rebuild the root filesystem even when cached. */
  refresh?: boolean;
  /** Dockerfile directory. */
  contextDir?: string;
  /** Debian mirror for debootstrap. */
  mirror?: string;
  onProgress?: (message: string) => void;
}

export interface BuiltImage {
  tag: string;
  id: string;
  method: BuildMethod;
  /** Package versions in the image (offline method only: read from the root filesystem). */
  packages: Record<string, string>;
  /** Offline method: whether the root filesystem came from the cache. */
  rootfsCached?: boolean;
  durationMs: number;
}

/** "repo/name:tag" -> repo and tag; a colon before the last "/" belongs to a registry port. */
export function splitTag(ref: string): { repo: string; tag: string } {
  const colon = ref.lastIndexOf(":");
  if (colon > ref.lastIndexOf("/")) return { repo: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { repo: ref, tag: "latest" };
}

/** Label naming the packages an image was built with: an older image (e.g. without nftables) is rebuilt. */
export const PACKAGES_LABEL = "xsite.router.packages";

export function packagesLabelValue(): string {
  return [...ROUTER_ROOTFS.include].sort().join(",");
}

/** Dockerfile instructions applied on import, so both methods give the image the same config. */
export function importChanges(): string[] {
  return [
    "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    `LABEL org.opencontainers.image.title="xsite-router" ${PACKAGES_LABEL}="${packagesLabelValue()}"`,
    `CMD ${JSON.stringify(ROUTER_CMD)}`,
  ];
}

export async function buildRouterImage(opts: BuildRouterImageOptions): Promise<BuiltImage> {
  const started = performance.now();
  const tag = opts.tag ?? ROUTER_IMAGE;
  const built =
    opts.method === "dockerfile" ? await buildFromDockerfile(opts, tag) : await buildOffline(opts, tag);
  const id = (await opts.docker.getImage(tag).inspect()).Id;
  return { ...built, tag, id, method: opts.method, durationMs: performance.now() - started };
}

async function buildFromDockerfile(
  opts: BuildRouterImageOptions,
  tag: string,
): Promise<Pick<BuiltImage, "packages">> {
  const context = opts.contextDir ?? ROUTER_CONTEXT;
  opts.onProgress?.(`building ${tag} from ${join(context, "Dockerfile")}`);
  try {
    const stream = await opts.docker.buildImage({ context, src: ["Dockerfile"] }, { t: tag, rm: true });
    await followProgress(stream, (e) => {
      const line = (e.stream ?? e.status ?? "").trimEnd();
      if (line) opts.onProgress?.(line);
    });
  } catch (err) {
    throw new LabError(
      `building ${tag} from ${context}/Dockerfile failed: ${engineMessage(err)}`,
      "without an image registry use the offline method (--method offline)",
    );
  }
  return { packages: {} };
}

async function buildOffline(
  opts: BuildRouterImageOptions,
  tag: string,
): Promise<Pick<BuiltImage, "packages" | "rootfsCached">> {
  const spec: RootfsSpec = opts.mirror ? { ...ROUTER_ROOTFS, mirror: opts.mirror } : ROUTER_ROOTFS;
  const rootfs = await ensureRootfs({
    spec,
    cacheDir: opts.cacheDir ?? DEFAULT_CACHE_DIR,
    refresh: opts.refresh ?? false,
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  });
  const { repo, tag: version } = splitTag(tag);
  const total = (await stat(rootfs.tarball)).size;
  opts.onProgress?.(`importing ${rootfs.tarball} (${mib(total)}) as ${tag}`);
  try {
    const file = createReadStream(rootfs.tarball);
    const source = byteCounter(total, opts.onProgress);
    file.on("error", (err) => source.destroy(err));
    file.pipe(source);
    const stream = await opts.docker.importImage(source, {
      repo,
      tag: version,
      changes: importChanges(),
      message: `debootstrap ${spec.variant} ${spec.suite}: ${spec.include.join(" ")}`,
    });
    await followProgress(stream);
  } catch (err) {
    throw new LabError(`importing ${rootfs.tarball} as ${tag} failed: ${engineMessage(err)}`);
  }
  return { packages: rootfs.meta.packages, rootfsCached: rootfs.cached };
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
}

/** Passes data through, reporting how much was sent about once a second. */
function byteCounter(total: number, onProgress?: (message: string) => void): Transform {
  let sent = 0;
  let last = performance.now();
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      sent += chunk.length;
      if (onProgress && performance.now() - last > 1000) {
        last = performance.now();
        onProgress(`imported ${mib(sent)} of ${mib(total)}`);
      }
      cb(null, chunk);
    },
  });
}

/**
 * "dockerfile" when the engine has the base image or can pull it, else "offline". The pull is
 * the honest test: it goes through the engine's own mirrors and proxy settings.
 */
export async function chooseMethod(docker: Docker, timeoutMs = 20_000): Promise<BuildMethod> {
  try {
    await docker.getImage(BASE_IMAGE).inspect();
    return "dockerfile";
  } catch {
    // Not present: try the registry.
  }
  try {
    const stream = await docker.pull(BASE_IMAGE, { abortSignal: AbortSignal.timeout(timeoutMs) });
    await followProgress(stream);
    return "dockerfile";
  } catch {
    return "offline";
  }
}
