// Loading a topology file into the Lab model: read the file, run the model's passes (build.ts)
// over it, then the optional `bird -p` of each router's config.
import { resolve as resolvePath } from "node:path";
import { fileURLToPath } from "node:url";
import { Diagnostics } from "../config/diagnostics.ts";
import { errorCode, readYamlFile } from "../config/read.ts";
import type { YamlDocument } from "../config/yaml.ts";
import { runPasses } from "./build.ts";
import type { Lab, SourceRef } from "./model.ts";

export { TOPOLOGY_SCHEMA_FILE } from "./build.ts";
export const DEFAULT_TOPOLOGY_FILE = fileURLToPath(new URL("../../configs/topology.yaml", import.meta.url));

/** Optional extra check of each bird.conf (the real `bird -p`), injected to keep this module pure. */
export type BirdConfigCheck = (
  file: string,
) => Promise<{ ok: true } | { ok: false; where: SourceRef; message: string }>;

export interface LoadOptions {
  birdCheck?: BirdConfigCheck;
}

export async function loadLab(
  topologyFile: string = DEFAULT_TOPOLOGY_FILE,
  opts: LoadOptions = {},
): Promise<Lab> {
  const file = resolvePath(topologyFile);
  const diags = new Diagnostics();
  const topology = readTopology(file, diags);
  diags.throwIfAny();
  const lab = runPasses({ file, topology: topology as YamlDocument }, diags);
  if (opts.birdCheck) await checkBirdSyntax(lab, opts.birdCheck, diags);
  diags.throwIfAny();
  return lab;
}

function readTopology(file: string, diags: Diagnostics): YamlDocument | null {
  const top = { file, line: 1, col: 1 };
  const docs = readYamlFile(file, diags, {
    unreadable: (err, phase) =>
      phase === "read"
        ? {
            message: `cannot read the topology file: ${errorCode(err)}`,
            hint: "pass an existing file with --topology",
          }
        : { message: err.message },
    syntaxHint: (hint) => hint ?? "check indentation and quoting",
  });
  if (!docs) return null;
  if (docs.length === 0 || (docs.length === 1 && (docs[0]?.value === null || docs[0]?.value === undefined))) {
    diags.add(top, "", "the topology file is empty", "start with `name:`, `sites:`, `routers:` and `nodes:`");
    return null;
  }
  if (docs.length !== 1) {
    diags.add(
      top,
      "",
      `expected exactly one YAML document, found ${docs.length}`,
      "remove the extra --- separators",
    );
    return null;
  }
  const d = docs[0] as YamlDocument;
  if (d.value === null || typeof d.value !== "object" || Array.isArray(d.value)) {
    diags.add(
      d.start,
      "",
      "the topology must be a mapping",
      "start with `name:`, `sites:`, `routers:` and `nodes:`",
    );
    return null;
  }
  return d;
}

async function checkBirdSyntax(lab: Lab, check: BirdConfigCheck, diags: Diagnostics): Promise<void> {
  for (const r of lab.routers) {
    const res = await check(r.birdConf);
    if (!res.ok)
      diags.add(
        res.where,
        "",
        `BIRD rejects the config of ${r.name}: ${res.message}`,
        "bird -p -c FILE shows the same",
      );
  }
}
