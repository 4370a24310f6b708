// The seed topology as a test lab of its own name, removed before and after a test file's tests
// (also when an earlier run left it behind), so each integration file starts and ends clean.
import test from "ava";
import { type DownReport, netnsDown } from "../../lab/runtime/netns/down.ts";
import { planNetns } from "../../lab/runtime/netns/plan.ts";
import { workPaths } from "../../lab/runtime/workdir.ts";
import { loadLab } from "../../lab/topology/load.ts";
import type { Lab } from "../../lab/topology/model.ts";

export interface SeedLab {
  /** The loaded lab (available from the tests on). */
  readonly lab: Lab;
  /** The lab once loaded and cleaned: for a file's own before hook (ava runs hooks concurrently). */
  readonly ready: Promise<Lab>;
  /** Removes the lab: journal-based down plus every namespace its plan names. */
  down(): Promise<DownReport>;
}

/** Registers the before/after hooks; `why` is the reason the file's tests are skipped, if any.
 * `topology`: another topology file than the seed's (e.g. an example's). */
export function useSeedLab(name: string, why: string | undefined, topology?: string): SeedLab {
  let lab: Lab | undefined;
  let loaded: (l: Lab) => void = () => {};
  let failed: (err: unknown) => void = () => {};
  const ready = new Promise<Lab>((resolve, reject) => {
    loaded = resolve;
    failed = reject;
  });
  // Files that never await it must not see an unhandled rejection.
  ready.catch(() => undefined);
  const down = async (): Promise<DownReport> =>
    lab
      ? netnsDown(
          workPaths(name),
          planNetns(lab).namespaces.map((n) => n.name),
        )
      : { processes: 0, namespaces: 0 };
  test.before(async () => {
    if (why) return;
    try {
      lab = { ...(await loadLab(topology)), name };
      await down();
      loaded(lab);
    } catch (err) {
      failed(err);
      throw err;
    }
  });
  test.after.always(async () => {
    await down();
  });
  return {
    get lab() {
      if (!lab) throw new Error(`test lab ${name} is not loaded`);
      return lab;
    },
    ready,
    down,
  };
}
