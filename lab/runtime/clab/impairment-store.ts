// What each router end of a clab lab's ZeroTier link is impaired with now. netem replaces its
// qdisc on every change while the netns relay merges a change into what a direction already
// has; keeping the current impairment lets the clab runtime merge the same way.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Impairment } from "../../emulate/zerotier/impairment.ts";

export interface ImpairmentStore {
  get(router: string): Partial<Impairment>;
  set(router: string, imp: Partial<Impairment> | undefined): void;
}

/** Kept in a JSON file of the lab (so `lab link zt set` twice adds up too), or in memory. */
export function impairmentStore(file: string | undefined): ImpairmentStore {
  let memory: Record<string, Partial<Impairment>> = {};
  const load = (): Record<string, Partial<Impairment>> => {
    if (!file || !existsSync(file)) return memory;
    try {
      return JSON.parse(readFileSync(file, "utf8")) as Record<string, Partial<Impairment>>;
    } catch {
      return {};
    }
  };
  return {
    get: (router) => load()[router] ?? {},
    set: (router, imp) => {
      const all = load();
      if (imp) all[router] = imp;
      else delete all[router];
      memory = all;
      if (file && existsSync(dirname(file))) writeFileSync(file, JSON.stringify(all));
    },
  };
}
