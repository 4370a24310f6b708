// The lab-owned wrapper around each real bird.conf. The real file is included unchanged; the
// wrapper only adds what the lab needs from outside it: a log file with millisecond timestamps
// and protocol state/event debugging (the scenario engine's event stream), and full timestamps
// in `show protocols` (the `Since` column). Control socket and pid file are command-line flags.
import type { Lab, Router } from "../topology/model.ts";
import type { Artifact } from "./artifact.ts";

export interface BirdPaths {
  /** Absolute directory where the router's runtime files live. */
  runDir: string;
}

export function birdWrapper(router: Router, logFile: string): string {
  return [
    `# Lab wrapper for ${router.name}: adds logging, then includes the real config unchanged.`,
    `log "${logFile}" all;`,
    "timeformat log iso long ms;",
    "timeformat protocol iso long ms;",
    "timeformat route iso long ms;",
    "debug protocols { states, events };",
    `include "${router.birdConf}";`,
    "",
  ].join("\n");
}

/** Wrapper files for every router; paths inside are absolute, rooted at workDir. */
export function renderBirdWrappers(lab: Lab, workDir: string): Artifact[] {
  return lab.routers.map((r) => ({
    path: `bird/${r.name}/bird.conf`,
    description: `BIRD wrapper for ${r.name} including ${r.birdConf}`,
    content: birdWrapper(r, `${workDir}/bird/${r.name}/bird.log`),
  }));
}
