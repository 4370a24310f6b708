import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { renderAll } from "../../lab/render/index.ts";
import { workPaths } from "../../lab/runtime/workdir.ts";
import { COMMON_OPTIONS, type Command, EXIT, parse, UsageError } from "../cli-kit.ts";
import { loadForCommand } from "./load.ts";

export const render: Command = {
  name: "render",
  summary:
    "write every artifact the runtimes use (GoBGP configs, BIRD wrappers, containerlab, kind/k3d, diagram)",
  usage: "lab render [--topology FILE] [--out DIR] [--json]",
  async run(argv, ctx) {
    const { values } = parse(this, argv, { ...COMMON_OPTIONS, out: { type: "string", short: "o" } });
    const lab = await loadForCommand(values);
    const out = resolve(values.out ?? `${workPaths(lab.name).root}/rendered`);
    if (out === lab.configDir || out.startsWith(`${lab.configDir}/`)) {
      throw new UsageError(
        `--out ${out} is inside the config folder ${lab.configDir}`,
        "rendered files never go into configs/; pick another folder",
      );
    }
    const artifacts = renderAll(lab, { outDir: out });
    for (const a of artifacts) {
      const file = `${out}/${a.path}`;
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, a.content);
    }
    if (values.json)
      ctx.out(
        JSON.stringify(
          {
            out,
            artifacts: artifacts.map((a) => ({
              path: `${out}/${a.path}`,
              description: a.description,
              bytes: Buffer.byteLength(a.content),
            })),
          },
          null,
          2,
        ),
      );
    else
      ctx.out(
        `wrote ${artifacts.length} files under ${out}:\n${artifacts.map((a) => `  ${a.path.padEnd(44)} ${a.description}`).join("\n")}`,
      );
    return EXIT.ok;
  },
};
