// Where the default runtime runs a lab: directly on this host (Linux and root), or inside a
// runner container on a Docker engine (macOS, Windows/WSL, Linux without root). A pure decision
// over what the caller found out, so every branch is tested without a machine of that kind.
import { LabError, UsageError } from "../util/errors.ts";

export type Where = "host" | "container";
export const WHERE_VALUES: readonly Where[] = ["host", "container"];
export const WHERE_ENV = "LAB_WHERE";

export interface WhereFacts {
  /** --where, else LAB_WHERE (undefined when neither is given). */
  asked: string | undefined;
  /** Where `asked` came from, for the error message. */
  askedBy?: string;
  platform: NodeJS.Platform;
  uid: number | undefined;
  /** The command creates a lab (up, run); the others act on one that runs. */
  creates: boolean;
  /** A lab of this name runs directly on this host. */
  hostLabUp: () => boolean;
  /** Whether a Docker engine answers, and whether this lab's runner container exists there. */
  engine: () => Promise<{ address: string; answers: boolean; runnerExists: boolean }>;
}

export interface WhereChoice {
  where: Where;
  why: string;
}

export function parseWhere(value: string, by: string): Where {
  if ((WHERE_VALUES as readonly string[]).includes(value)) return value as Where;
  throw new UsageError(`${by}: "${value}" is not a place`, `use ${WHERE_VALUES.join(" or ")}`);
}

/** Explicit choice first; then where this lab already runs; then, for a command that creates a
 * lab, the machine decides. */
export async function decideWhere(facts: WhereFacts): Promise<WhereChoice> {
  if (facts.asked !== undefined) {
    const by = facts.askedBy ?? "--where";
    return { where: parseWhere(facts.asked, by), why: `${by} ${facts.asked}` };
  }
  if (facts.hostLabUp()) return { where: "host", why: "the lab runs directly on this host" };
  const canHost = facts.platform === "linux" && facts.uid === 0;
  const engine = await facts.engine();
  if (engine.runnerExists)
    return { where: "container", why: `the lab runs in its runner container (${engine.address})` };
  if (canHost) return { where: "host", why: "Linux and root: network namespaces directly on this host" };
  // Nothing runs anywhere: this host's command checks its arguments and says how to start a lab.
  if (!facts.creates) return { where: "host", why: "no lab of that name runs in a runner container" };
  if (engine.answers)
    return {
      where: "container",
      why: `${facts.platform === "linux" ? "not root" : `${facts.platform}, not Linux`}: in a runner container on the Docker engine at ${engine.address}`,
    };
  throw new NowhereError(facts.platform, engine.address);
}

/** Neither way is open: the exact commands for both. */
export class NowhereError extends LabError {
  constructor(platform: NodeJS.Platform, address: string) {
    const host =
      platform === "linux"
        ? "directly on this host: sudo make lab-up"
        : "directly on a host: only on Linux, as root (sudo make lab-up)";
    super(
      `the default runtime cannot run here: ${platform === "linux" ? "not root" : `${platform} is not Linux`}, and no Docker engine answers at ${address}`,
      [
        "either",
        `  ${host}`,
        "or in a runner container: start Docker (Docker Desktop, or `sudo systemctl start docker`; DOCKER_HOST for another engine), then: make lab-up",
      ].join("\n"),
    );
  }
}
