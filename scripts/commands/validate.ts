import { COMMON_OPTIONS, type Command, EXIT, parse } from "../cli-kit.ts";
import { loadForCommand } from "./load.ts";

export const validate: Command = {
  name: "validate",
  summary: "check the topology, the Cilium manifests and the BIRD configs (bird -p); creates nothing",
  usage: "lab validate [--topology FILE] [--json]",
  async run(argv, ctx) {
    const { values } = parse(this, argv, COMMON_OPTIONS);
    const lab = await loadForCommand(values, { birdCheck: true });
    const summary = {
      lab: lab.name,
      topology: lab.topologyFile,
      sites: lab.sites.length,
      routers: lab.routers.map((r) => r.name),
      nodes: lab.nodes.map((n) => ({ name: n.name, clusterConfig: n.bgp?.clusterConfig ?? null })),
      manifests: lab.cilium.map((m) => `${m.kind}/${m.metadata.name}`),
    };
    if (values.json) ctx.out(JSON.stringify({ ok: true, ...summary }, null, 2));
    else
      ctx.out(
        `${lab.topologyFile}: valid\n  ${summary.sites} sites, routers ${summary.routers.join(", ")}, nodes ${lab.nodes.map((n) => n.name).join(", ")}\n  ${summary.manifests.length} Cilium manifests; BIRD accepts ${lab.routers.map((r) => r.birdConf.replace(`${lab.configDir}/`, "")).join(" and ")}`,
      );
    return EXIT.ok;
  },
};
