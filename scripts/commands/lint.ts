import { findingsJson, formatFindings, hasErrors, lintLab, summarizeFindings } from "../../lab/lint/lint.ts";
import { COMMON_OPTIONS, type Command, EXIT, parse, UsageError } from "../cli-kit.ts";
import { loadForCommand } from "./load.ts";

export const lint: Command = {
  name: "lint",
  summary:
    "find the design's mistakes in the router configs and Cilium manifests together (exit 1 on errors)",
  usage: "lab lint [--topology FILE] [--threshold 30s] [--json]",
  async run(argv, ctx) {
    const { values } = parse(this, argv, { ...COMMON_OPTIONS, threshold: { type: "string" } });
    let threshold: number | undefined;
    if (values.threshold !== undefined) {
      const m = /^(\d+)s?$/.exec(values.threshold);
      if (!m)
        throw new UsageError(
          `--threshold "${values.threshold}" is not a number of seconds`,
          "e.g. --threshold 30s",
        );
      threshold = Number(m[1]);
    }
    const lab = await loadForCommand(values);
    const findings = lintLab(lab, threshold !== undefined ? { blackholeThresholdSeconds: threshold } : {});
    if (values.json) ctx.out(findingsJson(findings));
    else
      ctx.out(`${formatFindings(findings, { relativeTo: lab.configDir })}\n\n${summarizeFindings(findings)}`);
    return hasErrors(findings) ? EXIT.failure : EXIT.ok;
  },
};
