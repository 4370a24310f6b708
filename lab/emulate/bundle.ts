// The lab's helper daemons (relay, kubelet) run as plain `node` on a bundle built once per
// `up`: a tsx-loaded process costs ~90 MB and an esbuild service, a bundle ~45 MB.
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ENTRY_POINTS = {
  kubelet: "./kubelet.ts",
  relay: "./zerotier/relay-main.ts",
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
