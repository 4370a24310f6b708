// Older runner images go once a newer one is built. Every change of the image's inputs (the
// Dockerfile, the lock file, Node.js's major, the root filesystem) tags a new image of several
// hundred MB, and nothing else would ever remove the old ones. An image a container still uses
// (a lab started before the change, in its runner) is kept: the engine refuses to remove it.
import type Docker from "dockerode";
import { engineMessage, statusOf } from "../docker/errors.ts";

export interface PruneResult {
  removed: { tag: string; bytes: number }[];
  /** Tags the engine kept because a container uses them. */
  inUse: string[];
  /** Tags whose removal failed otherwise, with the engine's reason. */
  failed: { tag: string; why: string }[];
}

/** The tags of `repos` among `tags` that are not in `keep`. */
export function staleTags(
  tags: readonly string[],
  repos: readonly string[],
  keep: readonly string[],
): string[] {
  return tags.filter((t) => {
    const colon = t.lastIndexOf(":");
    return colon > 0 && repos.includes(t.slice(0, colon)) && !keep.includes(t);
  });
}

/** Removes every tag of `repos` but `keep` (untagged, then deleted if no other tag holds it). */
export async function pruneImages(
  docker: Docker,
  repos: readonly string[],
  keep: readonly string[],
): Promise<PruneResult> {
  const images = await docker.listImages({ filters: { reference: [...repos] } });
  const result: PruneResult = { removed: [], inUse: [], failed: [] };
  for (const image of images) {
    for (const tag of staleTags(image.RepoTags ?? [], repos, keep)) {
      try {
        await docker.getImage(tag).remove();
        result.removed.push({ tag, bytes: image.Size });
      } catch (err) {
        if (statusOf(err) === 409) result.inUse.push(tag);
        else if (statusOf(err) !== 404) result.failed.push({ tag, why: engineMessage(err) });
      }
    }
  }
  return result;
}

/** One line for the user, or none when nothing was stale. */
export function describePrune(r: PruneResult): string | undefined {
  const parts: string[] = [];
  if (r.removed.length) {
    const mib = Math.round(r.removed.reduce((s, x) => s + x.bytes, 0) / 2 ** 20);
    parts.push(
      `removed ${r.removed.length} older image(s), ${mib} MiB: ${r.removed.map((x) => x.tag).join(", ")}`,
    );
  }
  if (r.inUse.length) parts.push(`kept ${r.inUse.join(", ")} (a container uses it)`);
  for (const f of r.failed) parts.push(`could not remove ${f.tag}: ${f.why}`);
  return parts.length ? parts.join("; ") : undefined;
}
