// The lab's helper daemons (relay and kubelets, a joining node's kubelet) run as plain `node` on a bundle built once per
// `up`: a tsx-loaded process costs ~90 MB and an esbuild service, a bundle ~45 MB.
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ENTRY_POINTS = {
  /** The relay and the kubelets of a lab's nodes in one process (helpers-main.ts). */
  helpers: "./helpers-main.ts",
  /** A node that joins a running lab. */
  kubelet: "./kubelet-main.ts",
} as const;

export type DaemonName = keyof typeof ENTRY_POINTS;

export async function bundleDaemon(name: DaemonName, outDir: string): Promise<string> {
  const outfile = `${outDir}/${name}.mjs`;
  await build({
    entryPoints: [fileURLToPath(new URL(ENTRY_POINTS[name], import.meta.url))],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "silent",
  });
  return outfile;
}
