import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { BIRD_SOCKET_IN_CONTAINER } from "../../lab/render/clab.ts";
import { gobgpSpeakers } from "../../lab/render/gobgp.ts";
import { clabPaths } from "../../lab/runtime/clab/paths.ts";
import { kubectl } from "../../lab/runtime/clab/plan.ts";
import { testPodNamespace } from "../../lab/runtime/clab/test-pods.ts";
import { nsName } from "../../lab/runtime/netns/plan.ts";
import { workPaths } from "../../lab/runtime/workdir.ts";
import { closest } from "../../lab/topology/diagnostics.ts";
import type { Lab } from "../../lab/topology/model.ts";
import { COMMON_OPTIONS, type Command, type CommandContext, parse, UsageError } from "../cli-kit.ts";
import { loadForCommand, requireClabLab } from "./load.ts";
import { runtimeChoice } from "./up.ts";

export const exec: Command = {
  name: "exec",
  summary: "run a command inside a router, node or pod (birdc and gobgp find their daemon by themselves)",
  usage:
    "lab exec [--topology FILE] [--name LAB] [--runtime netns|clab] NODE -- CMD [ARGS...]  (clab: output shown when the command ends)",
  async run(argv, ctx) {
    const dash = argv.indexOf("--");
    const own = dash >= 0 ? argv.slice(0, dash) : argv;
    const cmd = dash >= 0 ? argv.slice(dash + 1) : [];
    const { values, positionals } = parse(
      this,
      own,
      { ...COMMON_OPTIONS, runtime: { type: "string" } },
      true,
    );
    const choice = runtimeChoice(values);
    const target = positionals[0];
    if (!target || positionals.length > 1 || cmd.length === 0)
      throw new UsageError("exec needs one NODE and a command after --", `usage: ${this.usage}`);
    const lab = await loadForCommand(values);
    const names = [
      ...lab.routers.map((r) => r.name),
      ...lab.nodes.map((n) => n.name),
      ...lab.nodes.flatMap((n) => n.pods.map((p) => p.name)),
      ...(choice.name === "clab" ? lab.sites.map((s) => `lan-${s.name}`) : ["inet"]),
    ];
    if (!names.includes(target)) {
      const guess = closest(target, names);
      throw new UsageError(
        `no router, node or pod named "${target}"`,
        guess ? `did you mean ${guess}?` : `known: ${names.join(", ")}`,
      );
    }
    if (choice.name === "clab") return clabExec(lab, target, cmd, ctx);
    if (!existsSync(workPaths(lab.name).journal))
      throw new UsageError(`lab ${lab.name} is not running`, "start it with: make lab-up");
    const argvIn = withDaemonAddress(lab, target, cmd);
    return new Promise<number>((resolve) => {
      const child = spawn("ip", ["netns", "exec", nsName(lab.name, target), ...argvIn], { stdio: "inherit" });
      const onAbort = () => child.kill("SIGINT");
      ctx.signal.addEventListener("abort", onAbort, { once: true });
      child.on("error", (err) => {
        ctx.err(`exec: ${err.message}`);
        resolve(127);
      });
      child.on("close", (code, sig) => {
        ctx.signal.removeEventListener("abort", onAbort);
        resolve(code ?? (sig ? 128 + 2 : 1));
      });
    });
  },
};

/**
 * clab: routers, nodes and LAN switches through the Docker engine (the container's own tools;
 * birdc finds the lab's socket), pods through kubectl exec. Not interactive: the output is
 * shown when the command ends, with its exit code.
 */
async function clabExec(lab: Lab, target: string, cmd: string[], ctx: CommandContext): Promise<number> {
  requireClabLab(lab);
  const paths = clabPaths(lab.name);
  // Loaded here: the netns path never loads the Docker client.
  const { clabContext } = await import("../../lab/runtime/clab/context.ts");
  const c = clabContext(lab);
  const pod = lab.nodes.some((n) => n.pods.some((p) => p.name === target));
  const r = pod
    ? await c.tools
        .run({
          argv: kubectl(paths, "exec", "--namespace", testPodNamespace(lab), target, "--", ...cmd),
          allowFailure: true,
          timeoutMs: 120_000,
          signal: ctx.signal,
        })
        .then((o) => ({ exitCode: o.code ?? 1, stdout: o.stdout, stderr: o.stderr }))
    : await c.control.exec(target, withClabSocket(lab, target, cmd), { timeoutMs: 120_000 });
  if (r.stdout) ctx.out(r.stdout.replace(/\n$/, ""));
  if (r.stderr) ctx.err(r.stderr.replace(/\n$/, ""));
  return r.exitCode;
}

function withClabSocket(lab: Lab, target: string, cmd: string[]): string[] {
  const [prog, ...rest] = cmd as [string, ...string[]];
  if (prog === "birdc" && lab.routers.some((r) => r.name === target) && !rest.includes("-s"))
    return ["birdc", "-s", BIRD_SOCKET_IN_CONTAINER, ...rest];
  return cmd;
}

/** birdc needs the router's socket, gobgp the node's API port: add them unless the user did. */
function withDaemonAddress(lab: Lab, target: string, cmd: string[]): string[] {
  const [prog, ...rest] = cmd as [string, ...string[]];
  if (prog === "birdc" && lab.routers.some((r) => r.name === target) && !rest.includes("-s")) {
    return ["birdc", "-s", workPaths(lab.name).birdSocket(target), ...rest];
  }
  const node = lab.nodes.find((n) => n.name === target);
  const speaker = node ? gobgpSpeakers(node)[0] : undefined;
  if (prog === "gobgp" && speaker && !rest.includes("-p"))
    return ["gobgp", "-p", String(speaker.apiPort), ...rest];
  return cmd;
}
