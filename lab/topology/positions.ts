// Positions of fields in the files a Lab was built from, read from the model (its sources and
// each manifest's position map). A Lab built or changed in memory falls back to the nearest
// position the model has.
import { positionOf } from "../config/yaml.ts";
import type { CiliumManifest, Lab, SourceRef } from "./model.ts";

/** A field of a manifest, e.g. "spec.bgpInstances[0].peers[0].peerASN". */
export function manifestPosition(m: CiliumManifest, path: string, preferKey = false): SourceRef {
  if (!m.positions) return m.source;
  return positionOf({ value: undefined, positions: m.positions, start: m.source }, path, preferKey);
}

/** A field of the topology file. */
export function topologyPosition(lab: Lab, path: string, preferKey = false): SourceRef {
  return positionOf(lab.sources.topology, path, preferKey);
}

/** A field of the Helm values, or the file's start when it could not be read. */
export function helmValuesPosition(lab: Lab, path: string, preferKey = false): SourceRef {
  const doc = lab.sources.helmValues;
  const file = lab.cluster.helmValues ?? "";
  return doc ? positionOf(doc, path, preferKey) : { file, line: 1, col: 1 };
}
