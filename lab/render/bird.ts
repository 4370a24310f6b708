// The lab-owned wrapper around each real bird.conf. The real file is included unchanged; the
// wrapper only adds what the lab needs from outside it: a log file with millisecond timestamps
// and protocol state/event debugging (the scenario engine's event stream), and full timestamps
// in `show protocols` (the `Since` column). Control socket and pid file are command-line flags.
// Both runtimes use the same text; only the paths differ (host paths for netns, in-container
// paths for clab, lab/render/clab.ts).
import type { Lab, Router } from "../topology/model.ts";
import type { Artifact } from "./artifact.ts";

export interface BirdPaths {
  /** Absolute directory where the router's runtime files live. */
  runDir: string;
}

export interface BirdWrapperSpec {
  /** The router's name (only in the header comment). */
  name: string;
  /** The real bird.conf, as BIRD will open it (absolute). */
  include: string;
  /** The log file, as BIRD will open it (absolute). */
  logFile: string;
}

/** The wrapper text: logging and timestamp settings, then `include` of the real config. */
export function birdWrapperText(spec: BirdWrapperSpec): string {
  return [
    `# Lab wrapper for ${spec.name}: adds logging, then includes the real config unchanged.`,
    `log "${spec.logFile}" all;`,
    "timeformat log iso long ms;",
    "timeformat protocol iso long ms;",
    "timeformat route iso long ms;",
    "debug protocols { states, events };",
    `include "${spec.include}";`,
    "",
  ].join("\n");
}

/** The netns runtime's wrapper: BIRD runs on the host, so it includes the router's own file. */
export function birdWrapper(router: Pick<Router, "name" | "birdConf">, logFile: string): string {
  return birdWrapperText({ name: router.name, include: router.birdConf, logFile });
}

/** Wrapper files for every router; paths inside are absolute, rooted at workDir. */
export function renderBirdWrappers(lab: Lab, workDir: string): Artifact[] {
  return lab.routers.map((r) => ({
    path: `bird/${r.name}/bird.conf`,
    description: `BIRD wrapper for ${r.name} including ${r.birdConf}`,
    content: birdWrapper(r, `${workDir}/bird/${r.name}/bird.log`),
  }));
}
