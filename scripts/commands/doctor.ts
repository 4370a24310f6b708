import { formatFindings, runDoctor, systemProbe } from "../../lab/doctor/index.ts";
import { type Command, EXIT, parse } from "../cli-kit.ts";
import { whileWaiting } from "../spin.ts";

export const doctor: Command = {
  name: "doctor",
  summary:
    "check this machine for the lab (root, kernel, commands, clab tools) and find leftovers of any lab",
  usage: "lab doctor [--json] [--no-clab]",
  async run(argv, ctx) {
    const { values } = parse(this, argv, {
      json: { type: "boolean" },
      "no-clab": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    });
    const report = await whileWaiting("checking this machine", () =>
      runDoctor(systemProbe(), { clab: !values["no-clab"] }),
    );
    if (values.json) ctx.out(JSON.stringify({ ready: report.ready, findings: report.findings }, null, 2));
    else ctx.out(formatFindings(report.findings));
    return report.ready ? EXIT.ok : EXIT.failure;
  },
};
