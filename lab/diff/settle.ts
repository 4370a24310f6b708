// Bringing a lab up for a diff. A head config may be one that never converges by the seed's checks
// (that is what the diff is for: a filter that drops a pod CIDR leaves a FIB without it), so
// waiting out the whole convergence budget would only delay the answer. The lab is brought up
// keeping what it reached, and watched: once every BGP session is Established and the routers'
// sessions and routes have not changed for SETTLE_MS, the routing has settled and the wait ends
// there, converged or not. A session that never comes up keeps the wait going to the budget.
import { setTimeout as sleep } from "node:timers/promises";
import { parseProtocols, showProtocolsCommand } from "../bird/protocols.ts";
import { parseRoutes } from "../bird/routes.ts";
import { readConvergence } from "../observe/convergence.ts";
import type { LabHandle } from "../runtime/kind.ts";
import { TimeoutError } from "../util/errors.ts";
import type { ProgressSink } from "../util/progress.ts";

/** BIRD sends updates as soon as it has them (no MRAI by default in BIRD 2), so a few seconds
 * without a change after every session is Established is a settled table. */
export const SETTLE_MS = 5000;
const POLL_MS = 1000;

export interface Settled {
  converged: boolean;
  /** What the convergence checks still found wrong, when not converged. */
  problems: string[];
  ms: number;
}

/** Sessions and best routes of every router, or null while a BIRD does not answer. */
export async function routingFingerprint(
  h: LabHandle,
): Promise<{ text: string; established: boolean } | null> {
  try {
    const parts = await Promise.all(
      h.lab.routers.map(async (r) => {
        const protocols = parseProtocols(await h.bird(r.name, showProtocolsCommand())).filter(
          (p) => p.proto === "BGP",
        );
        const routes = parseRoutes(await h.bird(r.name, "show route"));
        return {
          established: protocols.length > 0 && protocols.every((p) => p.info === "Established"),
          text: JSON.stringify([
            r.name,
            protocols.map((p) => [p.name, p.info]),
            routes.map((x) => [x.prefix, x.protocol, x.primary, x.nextHops]),
          ]),
        };
      }),
    );
    return { text: parts.map((p) => p.text).join("\n"), established: parts.every((p) => p.established) };
  } catch {
    return null;
  }
}

class SettledSignal extends Error {
  override name = "SettledSignal";
}

export async function upUntilSettled(
  h: LabHandle,
  opts: { budgetMs?: number; signal?: AbortSignal; progress?: ProgressSink },
): Promise<Settled> {
  const t0 = performance.now();
  const settled = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, settled.signal]) : settled.signal;
  let done = false;
  const up = h
    .up({
      ...(opts.budgetMs !== undefined ? { budgetMs: opts.budgetMs } : {}),
      signal,
      keepOnFailure: true,
      ...(opts.progress ? { progress: opts.progress } : {}),
    })
    .finally(() => {
      done = true;
    });
  const watch = (async () => {
    let last = "";
    let since = performance.now();
    while (!done && !signal.aborted) {
      await sleep(POLL_MS);
      if (done) return;
      const fp = await routingFingerprint(h);
      const now = performance.now();
      if (!fp || fp.text !== last) {
        last = fp?.text ?? "";
        since = now;
        continue;
      }
      if (fp.established && now - since >= SETTLE_MS) settled.abort(new SettledSignal("routing settled"));
    }
  })();
  try {
    await up;
    return { converged: true, problems: [], ms: performance.now() - t0 };
  } catch (err) {
    if (opts.signal?.aborted) throw err;
    if (!(settled.signal.aborted || err instanceof TimeoutError)) throw err;
    const problems = (await readConvergence(h))
      .filter((c) => !c.ok)
      .flatMap((c) => c.problems.map((p) => `${c.name}: ${p}`));
    // Settled yet every check passes: it converged while the wait was being stopped.
    return { converged: problems.length === 0, problems, ms: performance.now() - t0 };
  } finally {
    done = true;
    await watch;
  }
}
