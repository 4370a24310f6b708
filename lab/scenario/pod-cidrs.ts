// Scenario files name pod CIDRs as the topology has them (yuuko-k8s: 10.42.3.0/24, as the real
// cluster allocated it). A lab whose cluster allocates its own (kind and k3d, in join order)
// may have given yuuko-k8s 10.42.2.0/24: expectations are asked with the lab's prefix, and
// route events are reported with the topology's, so the same scenario file, metrics and
// reports hold on every runtime.
import type { Expectation } from "./model.ts";
import type { LabEvent } from "./types.ts";

export class PodCidrs {
  private readonly back: Map<string, string>;

  /** topology prefix -> the lab's prefix, only where they differ. */
  constructor(readonly toLab: ReadonlyMap<string, string> = new Map()) {
    this.back = new Map([...toLab].map(([topology, actual]) => [actual, topology]));
  }

  get identity(): boolean {
    return this.toLab.size === 0;
  }

  /** The lab's prefix for a topology prefix (itself when not remapped). */
  labPrefix(prefix: string): string {
    return this.toLab.get(prefix) ?? prefix;
  }

  /** The topology's prefix for one the lab uses (itself when not remapped). */
  topologyPrefix(prefix: string): string {
    return this.back.get(prefix) ?? prefix;
  }

  expectation(e: Expectation): Expectation {
    return e.kind === "route" ? { ...e, prefix: this.labPrefix(e.prefix) } : e;
  }

  event(e: LabEvent): LabEvent {
    if (e.kind !== "route") return e;
    const prefix = this.topologyPrefix(e.prefix);
    return prefix === e.prefix ? e : { ...e, prefix };
  }

  /** One line for the event stream, e.g. "10.42.3.0/24 is 10.42.2.0/24 in this lab". */
  describe(): string {
    return [...this.toLab].map(([topology, actual]) => `${topology} is ${actual} in this lab`).join("; ");
  }
}
