// The lab's one command-line entry point: `npm run lab -- <command> [...]`. It parses the
// command, runs it with an AbortSignal tied to SIGINT/SIGTERM, and maps errors to exit codes
// (2 = bad input, 1 = failure, 130 = interrupted). It sets process.exitCode and never calls
// process.exit, so cleanup in `finally` blocks always runs.
import { place } from "../lab/runner/place.ts";
import { ValidationError } from "../lab/topology/diagnostics.ts";
import { CommandError, LabError, TimeoutError, UsageError } from "../lab/util/errors.ts";
import { type Command, type CommandContext, EXIT } from "./cli-kit.ts";
import { diff } from "./commands/diff.ts";
import { doctor } from "./commands/doctor.ts";
import { down } from "./commands/down.ts";
import { exec } from "./commands/exec.ts";
import { link } from "./commands/link.ts";
import { lint } from "./commands/lint.ts";
import { render } from "./commands/render.ts";
import { runCmd } from "./commands/run.ts";
import { snapshot } from "./commands/snapshot.ts";
import { status } from "./commands/status.ts";
import { up } from "./commands/up.ts";
import { validate } from "./commands/validate.ts";
import { red } from "./emphasis.ts";

const COMMANDS: Command[] = [
  validate,
  lint,
  render,
  up,
  status,
  snapshot,
  exec,
  link,
  runCmd,
  diff,
  down,
  doctor,
];

function help(): string {
  const w = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    "usage: npm run lab -- <command> [options]     (command --help for details)",
    "",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`),
    "",
    "The topology defaults to configs/topology.yaml (--topology FILE to change it).",
    "up, status, exec, link, run and down act where the lab lives: --where host|container (or",
    "LAB_WHERE); by default on this host when it is Linux and you are root, else in a runner",
    "container on the Docker engine (DOCKER_HOST).",
  ].join("\n");
}

async function main(argv: string[]): Promise<number> {
  const controller = new AbortController();
  let interrupted: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    if (interrupted) return; // second Ctrl-C: let the cleanup finish
    interrupted = sig;
    process.stderr.write(`\n${sig}: stopping and cleaning up...\n`);
    controller.abort(new Error(`interrupted by ${sig}`));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const ctx: CommandContext = {
    signal: controller.signal,
    out: (t) => process.stdout.write(`${t}\n`),
    err: (t) => process.stderr.write(`${t}\n`),
  };
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    ctx.out(help());
    return name ? EXIT.ok : EXIT.invalid;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    ctx.err(`unknown command "${name}"\n\n${help()}`);
    return EXIT.invalid;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    if (!(cmd.name === "exec" && rest.indexOf("--") >= 0 && rest.indexOf("--") < rest.indexOf("--help"))) {
      ctx.out(`${cmd.summary}\n\nusage: ${cmd.usage}`);
      return EXIT.ok;
    }
  }
  try {
    // Where the lab lives (this host or its runner container) is decided around the command.
    const placed = await place(cmd.name, rest, ctx);
    if ("exitCode" in placed) return placed.exitCode;
    const code = await cmd.run(placed.here, ctx);
    await placed.after?.();
    return code;
  } catch (err) {
    if (interrupted) {
      ctx.err(`${cmd.name}: interrupted (${interrupted})`);
      return EXIT.interrupted;
    }
    return report(err, ctx);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

function report(err: unknown, ctx: CommandContext): number {
  if (err instanceof ValidationError) {
    ctx.err(err.message);
    return EXIT.invalid;
  }
  const e = err as Error & { hint?: string };
  // Before LabError, which it extends: bad input exits 2, and its hint is printed bare.
  if (err instanceof UsageError) {
    ctx.err(`${red("error:")} ${e.message}${e.hint ? `\n${e.hint}` : ""}`);
    return EXIT.invalid;
  }
  if (err instanceof LabError || err instanceof TimeoutError || err instanceof CommandError) {
    ctx.err(`${red("error:")} ${e.message}${e.hint ? `\nhint: ${e.hint}` : ""}`);
    return EXIT.failure;
  }
  ctx.err(`${red("internal error:")} ${e?.stack ?? String(err)}`);
  return EXIT.failure;
}

// A closed pipe (e.g. `lab up | head`) must not kill the command before it cleans up.
process.stdout.on("error", () => {});
process.stderr.on("error", () => {});
process.exitCode = await main(process.argv.slice(2));
