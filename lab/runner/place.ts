// The layer around the CLI that decides where a command acts: on this host, or inside the lab's
// runner container by running the same CLI there (nothing below the CLI knows the difference).
// `up` and `run` create the runner (and its image) when needed; `down` removes it with everything
// in it, also after a crashed or killed command; the other commands need it to exist.
import { relative, resolve } from "node:path";
import type Docker from "dockerode";
import { DEFAULT_KIND, runtimeKind } from "../runtime/registry.ts";
import { DEFAULT_TOPOLOGY_FILE, loadLab } from "../topology/load.ts";
import { LabError, UsageError } from "../util/errors.ts";
import {
  ensureRunner,
  findRunner,
  listRunners,
  nodeModulesIsDir,
  removeRunner,
  runnerName,
  runnerSpec,
} from "./container.ts";
import { forward } from "./forward.ts";
import { ensureRunnerImage, REPO } from "./image.ts";
import { handBackOutputs } from "./ownership.ts";
import { decideWhere, WHERE_ENV, type WhereChoice } from "./where.ts";

/** Commands that act on a lab and so run where it lives; the rest (validate, render, lint) read
 * files and run here. */
export const PLACED = ["up", "status", "exec", "link", "run", "down"] as const;

export interface PlaceIo {
  signal: AbortSignal;
  err: (text: string) => void;
  out: (text: string) => void;
}

/** "run here with these arguments", or the exit code of the command run in the runner. */
export type Placement = { here: string[]; after?: () => Promise<void> } | { exitCode: number };

/** The value of a flag before `--` ("--name X" or "--name=X"), and the arguments without it. */
export function takeFlag(argv: string[], flags: string[]): { value?: string; rest: string[] } {
  const rest: string[] = [];
  let value: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === "--") {
      rest.push(...argv.slice(i));
      break;
    }
    const eq = flags.find((f) => a.startsWith(`${f}=`));
    if (eq) value = a.slice(eq.length + 1);
    else if (flags.includes(a)) {
      value = argv[i + 1];
      if (value === undefined) throw new UsageError(`${a} needs a value`);
      i++;
    } else rest.push(a);
  }
  return value === undefined ? { rest } : { value, rest };
}

function has(argv: string[], flag: string): boolean {
  const dash = argv.indexOf("--");
  return (dash < 0 ? argv : argv.slice(0, dash)).includes(flag);
}

/** An engine to talk to; `answers` false when none does (within 3 s). */
async function engine(): Promise<{ docker: Docker; address: string; answers: boolean }> {
  // Loaded here: a lab on this host never loads the Docker client.
  const { connectEngine, engineAddress, pingEngine } = await import("../docker/engine.ts");
  const docker = connectEngine();
  const address = engineAddress(docker);
  try {
    await pingEngine(docker, 3000);
    return { docker, address, answers: true };
  } catch {
    return { docker, address, answers: false };
  }
}

export async function place(command: string, argv: string[], io: PlaceIo): Promise<Placement> {
  const { value: flagWhere, rest } = takeFlag(argv, ["--where"]);
  // Inside a runner container (the forwarded CLI): everything runs here.
  if (process.env.LAB_RUNNER) return { here: rest };
  if (!(PLACED as readonly string[]).includes(command)) {
    if (flagWhere !== undefined)
      throw new UsageError(`${command} takes no --where`, `${command} reads files here`);
    return { here: rest };
  }
  const runtime = takeFlag(rest, ["--runtime"]).value;
  // The clab runtime has its own containers; --where is about the default runtime.
  if (runtime !== undefined && runtime !== DEFAULT_KIND) return { here: rest };
  const envWhere = process.env[WHERE_ENV] || undefined;
  const asked = flagWhere ?? envWhere;

  if (command === "down" && has(rest, "--all")) return downAll(rest, asked, io);
  // Listing scenarios reads files only.
  if (command === "run" && has(rest, "--list")) return { here: rest };

  const lab = await labName(rest);
  const host = await runtimeKind(DEFAULT_KIND);
  let found: Awaited<ReturnType<typeof engine>> | undefined;
  const facts = {
    asked,
    askedBy: flagWhere !== undefined ? "--where" : WHERE_ENV,
    creates: command === "up" || command === "run",
    platform: process.platform,
    uid: process.getuid?.(),
    hostLabUp: () => host.labUp(lab),
    engine: async () => {
      found = await engine();
      const runnerExists = found.answers && (await findRunner(found.docker, lab)) !== undefined;
      return { address: found.address, answers: found.answers, runnerExists };
    },
  };
  const choice = await decideWhere(facts);
  if (choice.where === "host") {
    if (command === "up" || command === "run") io.err(`where: this host (${choice.why})`);
    return { here: rest };
  }
  found ??= await engine();
  if (!found.answers) {
    const { pingEngine } = await import("../docker/engine.ts");
    await pingEngine(found.docker, 3000);
  }
  // exec's stderr belongs to the command run.
  if (command !== "exec") io.err(`where: runner container ${runnerName(lab)} (${choice.why})`);
  return { exitCode: await inRunner(command, rest, lab, found.docker, choice, io) };
}

async function labName(argv: string[]): Promise<string> {
  const named = takeFlag(argv, ["--name"]).value;
  if (named !== undefined) return named;
  const topology = takeFlag(argv, ["--topology", "-t"]).value ?? DEFAULT_TOPOLOGY_FILE;
  const outside = relative(REPO, resolve(topology));
  if (outside.startsWith(".."))
    throw new UsageError(
      `--topology ${topology} is outside the checkout ${REPO}`,
      "a runner container sees only the checkout: copy the file into it",
    );
  return (await loadLab(topology)).name;
}

async function inRunner(
  command: string,
  argv: string[],
  lab: string,
  docker: Docker,
  _choice: WhereChoice,
  io: PlaceIo,
): Promise<number> {
  const name = runnerName(lab);
  const existing = await findRunner(docker, lab);
  if (existing && existing.checkout !== REPO)
    throw new LabError(
      `the runner container ${name} belongs to the checkout ${existing.checkout}`,
      `use another lab name here (--name), or remove it there: npm run lab -- down --name ${lab}`,
    );
  const cwd = relative(REPO, process.cwd()).startsWith("..") ? REPO : process.cwd();
  const run = async (args: string[], stdin = false) => {
    try {
      return await forward({
        docker,
        container: name,
        argv: ["node", "--import", "tsx", `${REPO}/scripts/lab.ts`, command, ...args],
        workdir: cwd,
        stdin,
        signal: io.signal,
      });
    } finally {
      await handBack(docker, name, io);
    }
  };

  if (command === "down") {
    if (!existing) {
      io.out(`lab ${lab} is not running in a runner container: nothing to remove`);
      return 0;
    }
    // The lab's own down first (its summary); removing the container is what guarantees the rest.
    if (existing.state === "running") await run(argv).catch((e: Error) => io.err(`note: ${e.message}`));
    await removeRunner(docker, name);
    io.out(`runner container ${name} removed`);
    return 0;
  }
  if (command === "up" || command === "run") {
    await startRunner(docker, lab, io);
    let code = 1;
    try {
      code = await run(argv);
    } finally {
      // Nothing half-created: a failed up leaves no runner (unless asked to keep it), and run
      // removes its lab when done, so its runner goes too.
      const keep = command === "up" ? code === 0 || has(argv, "--keep-on-failure") : has(argv, "--keep");
      if (!keep) {
        await removeRunner(docker, name);
        io.err(`runner container ${name} removed`);
      }
    }
    return code;
  }
  if (existing?.state !== "running") {
    const why = `lab ${lab} is not running in a runner container`;
    const hint = "start it with: make lab-up (or npm run lab -- up --where container)";
    if (command === "status") {
      io.out(`${why} (${hint})`);
      return 1;
    }
    throw new UsageError(why, hint);
  }
  return run(argv, command === "exec");
}

/** The lab's runner container running (its image built first when missing). */
async function startRunner(docker: Docker, lab: string, io: PlaceIo): Promise<void> {
  const image = await ensureRunnerImage({
    docker,
    method: runnerBuildMethod(),
    onProgress: (m) => io.err(`runner image: ${m}`),
  });
  const { created } = await ensureRunner(
    docker,
    runnerSpec({ lab, image: image.tag, checkout: REPO, nodeModulesIsDir: nodeModulesIsDir(REPO) }),
  );
  if (created) io.err(`runner container ${runnerName(lab)} started (${image.tag})`);
}

/** A script of the checkout (e.g. scripts/bench.ts) run in a fresh runner container for `lab`,
 * removed afterwards: the same figures as on a host, measured inside. Its exit code. */
export async function scriptInRunner(
  lab: string,
  script: string,
  args: string[],
  io: PlaceIo,
): Promise<number> {
  const found = await engine();
  if (!found.answers) {
    const { pingEngine } = await import("../docker/engine.ts");
    await pingEngine(found.docker, 3000);
  }
  if (await findRunner(found.docker, lab))
    throw new LabError(
      `a runner container for lab ${lab} exists`,
      `remove it first: npm run lab -- down --name ${lab}`,
    );
  await startRunner(found.docker, lab, io);
  try {
    return await forward({
      docker: found.docker,
      container: runnerName(lab),
      argv: ["node", "--import", "tsx", `${REPO}/${script}`, ...args],
      workdir: REPO,
      signal: io.signal,
    });
  } finally {
    await handBack(found.docker, runnerName(lab), io);
    await removeRunner(found.docker, runnerName(lab));
    io.err(`runner container ${runnerName(lab)} removed`);
  }
}

/** What the command wrote in the checkout goes to the checkout's owner (Linux hosts: Docker
 * Desktop's file sharing maps ownership itself). A failure is said, not fatal: the files exist. */
async function handBack(docker: Docker, container: string, io: PlaceIo): Promise<void> {
  if (process.platform !== "linux") return;
  const why = await handBackOutputs(docker, container, REPO).then(
    (r) => (r.exitCode === 0 ? undefined : r.output),
    (err: Error) => err.message,
  );
  if (why !== undefined)
    io.err(`note: could not give the files written in ${REPO} back to its owner: ${why}`);
}

function runnerBuildMethod(): "auto" | "dockerfile" | "offline" {
  const m = process.env.LAB_RUNNER_BUILD ?? "auto";
  if (m === "auto" || m === "dockerfile" || m === "offline") return m;
  throw new UsageError(`LAB_RUNNER_BUILD=${m}`, "use auto, dockerfile or offline");
}

/** `down --all`: the host's labs (on Linux), then every runner container on the engine. */
async function downAll(argv: string[], asked: string | undefined, io: PlaceIo): Promise<Placement> {
  const removeRunners = async () => {
    const found = await engine();
    if (!found.answers) return;
    for (const r of await listRunners(found.docker)) {
      await removeRunner(found.docker, r.name);
      io.err(`runner container ${r.name} removed (lab ${r.lab}, ${r.checkout})`);
    }
  };
  if (process.platform === "linux" && asked !== "container") return { here: argv, after: removeRunners };
  await removeRunners();
  return { exitCode: 0 };
}
