// What produced a netns lab's figures: BIRD, the speaker's GoBGP and the kernel, so that two
// reports can be compared honestly (a gobgpd 3.10 lab converges ~6 s later than a 3.36 one).
import { spawnSync } from "node:child_process";
import { release } from "node:os";
import { gobgpTools } from "../../gobgp/binary.ts";
import type { ComponentVersions } from "../kind.ts";

/** "BIRD version 2.0.12" (BIRD prints it on stderr) -> "2.0.12". */
export function parseBirdVersion(out: string): string | null {
  return /BIRD version\s+(\S+)/.exec(out)?.[1] ?? null;
}

export function netnsVersions(): ComponentVersions {
  const v: ComponentVersions = { runtime: "netns" };
  const bird = spawnSync("bird", ["--version"], { encoding: "utf8", timeout: 5000 });
  const birdVersion = parseBirdVersion(`${bird.stdout ?? ""}${bird.stderr ?? ""}`);
  if (birdVersion) v.bird = birdVersion;
  const tools = gobgpTools();
  if (tools.version) v.gobgp = tools.version;
  v.kernel = release();
  return v;
}
