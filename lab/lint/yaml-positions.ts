// Positions of fields in the YAML files behind a loaded Lab (topology, Cilium manifests, Helm
// values), read again because the model keeps only each manifest's start. Labs built or changed
// in memory fall back to the nearest position the model has.
import { readFileSync } from "node:fs";
import type { CiliumManifest, SourceRef } from "../topology/model.ts";
import { parseYamlDocuments, positionOf, type YamlDocument } from "../config/yaml.ts";

export class YamlPositions {
  private readonly cache = new Map<string, YamlDocument[] | null>();

  /** Every document of a file, or null when it cannot be read or parsed. */
  docs(file: string): YamlDocument[] | null {
    if (!this.cache.has(file)) {
      let docs: YamlDocument[] | null;
      try {
        docs = parseYamlDocuments(readFileSync(file, "utf8"), file);
      } catch {
        docs = null;
      }
      this.cache.set(file, docs);
    }
    return this.cache.get(file) ?? null;
  }

  /** A field of a single-document file (topology, Helm values). */
  inFile(file: string, path: string, preferKey = false): SourceRef {
    const doc = this.docs(file)?.[0];
    return doc ? positionOf(doc, path, preferKey) : { file, line: 1, col: 1 };
  }

  /** A field of a manifest, e.g. "spec.bgpInstances[0].peers[0].peerASN". */
  inManifest(m: CiliumManifest, path: string, preferKey = false): SourceRef {
    const doc = this.docs(m.source.file)?.find(
      (d) => d.start.line === m.source.line && d.start.col === m.source.col,
    );
    return doc ? positionOf(doc, path, preferKey) : m.source;
  }

  /** The parsed value of a single-document file. */
  value(file: string): unknown {
    return this.docs(file)?.[0]?.value;
  }
}
