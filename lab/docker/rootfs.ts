// A Debian root filesystem built with debootstrap, kept as a tarball in a cache directory. The
// cache key covers everything that changes the result, so editing the package list rebuilds it
// and a warm cache turns a ~30 s download into a file read.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { LabError } from "../util/errors.ts";
import { machineDebianMirror } from "./apt-sources.ts";
import { mountPointsUnder, unmountUnder } from "./leftovers.ts";
import { runLines } from "./run-lines.ts";
import { findExecutable, isRoot } from "./tools.ts";

export interface RootfsSpec {
  suite: string;
  variant: string;
  include: string[];
  /** Debian mirror; when absent, the one in the machine's apt sources (lab/docker/apt-sources.ts). */
  mirror?: string;
  /** Directories created in the image (e.g. /run/bird for BIRD's control socket). */
  mkdirs?: string[];
}

export interface RootfsMeta {
  key: string;
  spec: RootfsSpec;
  /** Installed versions of the included packages, from the rootfs's dpkg status. */
  packages: Record<string, string>;
  createdAt: string;
  bytes: number;
}

export interface Rootfs {
  tarball: string;
  meta: RootfsMeta;
  /** True when the tarball came from the cache. */
  cached: boolean;
}

export function rootfsKey(spec: RootfsSpec): string {
  const canonical = JSON.stringify({
    suite: spec.suite,
    variant: spec.variant,
    include: [...spec.include].sort(),
    mirror: spec.mirror ?? "",
    mkdirs: [...(spec.mkdirs ?? [])].sort(),
    arch: process.arch,
  });
  return createHash("sha256").update(canonical).digest("hex").slice(0, 12);
}

export function debootstrapArgs(spec: RootfsSpec, target: string, machineMirror?: string): string[] {
  const mirror = spec.mirror ?? machineMirror;
  return [
    `--variant=${spec.variant}`,
    ...(spec.include.length ? [`--include=${spec.include.join(",")}`] : []),
    spec.suite,
    target,
    ...(mirror ? [mirror] : []),
  ];
}

/** Versions of the named packages that dpkg records as installed. */
export function installedVersions(dpkgStatus: string, names: string[]): Record<string, string> {
  const found: Record<string, string> = {};
  for (const stanza of dpkgStatus.split(/\n\n+/)) {
    const field = (f: string) => new RegExp(`^${f}: (.+)$`, "m").exec(stanza)?.[1]?.trim();
    const pkg = field("Package");
    const version = field("Version");
    if (pkg && version && names.includes(pkg) && field("Status")?.endsWith(" installed"))
      found[pkg] = version;
  }
  return found;
}

export interface EnsureRootfsOptions {
  spec: RootfsSpec;
  cacheDir: string;
  /** Ignore a cached tarball and build again. */
  refresh?: boolean;
  onProgress?: (message: string) => void;
}

export function rootfsPaths(cacheDir: string, spec: RootfsSpec): { tarball: string; meta: string } {
  const base = join(resolve(cacheDir), `rootfs-${spec.suite}-${spec.variant}-${rootfsKey(spec)}`);
  return { tarball: `${base}.tar`, meta: `${base}.json` };
}

export async function ensureRootfs(opts: EnsureRootfsOptions): Promise<Rootfs> {
  const { spec } = opts;
  const paths = rootfsPaths(opts.cacheDir, spec);
  if (!opts.refresh && existsSync(paths.tarball) && existsSync(paths.meta)) {
    const meta = JSON.parse(await readFile(paths.meta, "utf8")) as RootfsMeta;
    opts.onProgress?.(`using cached root filesystem ${paths.tarball}`);
    return { tarball: paths.tarball, meta, cached: true };
  }
  if (!isRoot()) {
    throw new LabError(
      "building the router root filesystem with debootstrap needs root",
      "run as root (sudo), or use --method dockerfile on a machine that reaches an image registry",
    );
  }
  const debootstrap = findExecutable("debootstrap");
  if (!debootstrap) throw new LabError("debootstrap not found", "apt-get install -y debootstrap");

  await mkdir(opts.cacheDir, { recursive: true });
  const work = await mkdtemp(join(resolve(opts.cacheDir), ".rootfs-build-"));
  const target = join(work, "rootfs");
  const partial = `${paths.tarball}.partial-${process.pid}`;
  try {
    opts.onProgress?.(
      `debootstrap ${spec.variant} ${spec.suite} + ${spec.include.join(", ")} (30-90 s, once: the result is cached)`,
    );
    await runLines([debootstrap, ...debootstrapArgs(spec, target, machineDebianMirror())], {
      timeoutMs: 20 * 60_000,
      onLine: (line) => {
        // "I: Retrieving libc6 2.36-9" etc.; warnings and errors are passed on too.
        if (/^[IWE]: /.test(line)) opts.onProgress?.(`debootstrap: ${line.slice(3)}`);
      },
    });
    const packages = installedVersions(
      await readFile(join(target, "var/lib/dpkg/status"), "utf8"),
      spec.include,
    );
    const missing = spec.include.filter((p) => !packages[p]);
    if (missing.length) throw new LabError(`debootstrap finished but did not install: ${missing.join(", ")}`);
    await trim(target);
    for (const dir of spec.mkdirs ?? []) await mkdir(join(target, dir), { recursive: true });

    opts.onProgress?.("packing the root filesystem");
    // Numeric owners: the host's user database must not remap the image's files. File
    // capabilities (ping's cap_net_raw) travel as xattrs.
    await runLines([
      "tar",
      "--numeric-owner",
      "--xattrs",
      "--xattrs-include=security.capability",
      "-C",
      target,
      "-cf",
      partial,
      ".",
    ]);
    await rename(partial, paths.tarball);
    const meta: RootfsMeta = {
      key: rootfsKey(spec),
      spec,
      packages,
      createdAt: new Date().toISOString(),
      bytes: (await stat(paths.tarball)).size,
    };
    await writeFile(paths.meta, `${JSON.stringify(meta, null, 2)}\n`);
    return { tarball: paths.tarball, meta, cached: false };
  } finally {
    await rm(partial, { force: true });
    await removeBuildDir(work);
  }
}

/** Package caches and lists are rebuilt by apt-get update if ever needed; they only add size. */
async function trim(target: string): Promise<void> {
  for (const dir of ["var/cache/apt/archives", "var/lib/apt/lists"]) {
    const full = join(target, dir);
    if (!existsSync(full)) continue;
    for (const entry of await readdir(full)) {
      if (entry === "partial" || entry === "lock") continue;
      await rm(join(full, entry), { force: true });
    }
  }
}

/** Never delete through a mount: debootstrap mounts /proc and /sys (and may bind /dev) in the target. */
async function removeBuildDir(work: string): Promise<void> {
  await unmountUnder(work);
  const still = mountPointsUnder(await readFile("/proc/self/mountinfo", "utf8"), work);
  if (still.length) throw new LabError(`not removing ${work}: still mounted: ${still.join(", ")}`);
  await rm(work, { recursive: true, force: true });
}
