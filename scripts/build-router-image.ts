// Builds the BIRD router image: `npx tsx scripts/build-router-image.ts --help`.
// A thin entry point over lab/docker/router-image.ts.
import { parseArgs } from "node:util";
import type Docker from "dockerode";
import { connectEngine, type PrivateEngine, pingEngine, startPrivateEngine } from "../lab/docker/engine.ts";
import {
  type BuildMethod,
  buildRouterImage,
  chooseMethod,
  DEFAULT_CACHE_DIR,
  ROUTER_IMAGE,
} from "../lab/docker/router-image.ts";
import { LabError } from "../lab/util/errors.ts";
import { red } from "./emphasis.ts";
import { whileWaiting as waitFor } from "./spin.ts";

const HELP = `Usage: build-router-image [options]

Builds the BIRD 2 router image (${ROUTER_IMAGE}).

  --method auto|dockerfile|offline
                      dockerfile: images/router/Dockerfile (needs an image registry)
                      offline: debootstrap bookworm minbase + bird2 iproute2 iputils-ping,
                        imported into the engine (needs root, debootstrap and a Debian mirror)
                      auto (default): dockerfile if the engine has or can pull
                        debian:bookworm-slim, otherwise offline
  --tag NAME:TAG      image tag (default ${ROUTER_IMAGE})
  --cache-dir DIR     where the offline root filesystem tarball is kept (default ${DEFAULT_CACHE_DIR})
  --refresh           offline: rebuild the root filesystem even when cached
  --mirror URL        offline: Debian mirror (default: the one in this machine's apt sources)
  --socket PATH       engine socket (default: DOCKER_HOST, else /var/run/docker.sock)
  --engine-root DIR   start a private engine in DIR for the build and stop it afterwards
                      (dockerd with --bridge=none --iptables=false --ip-forward=false)
  -h, --help          this text
`;

const METHODS = ["auto", "dockerfile", "offline"] as const;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      method: { type: "string", default: "auto" },
      tag: { type: "string", default: ROUTER_IMAGE },
      "cache-dir": { type: "string", default: DEFAULT_CACHE_DIR },
      refresh: { type: "boolean", default: false },
      mirror: { type: "string" },
      socket: { type: "string" },
      "engine-root": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const method = values.method as (typeof METHODS)[number];
  if (!METHODS.includes(method)) throw new LabError(`--method must be one of ${METHODS.join(", ")}`);

  const started = performance.now();
  const progress = (message: string) => {
    const s = ((performance.now() - started) / 1000).toFixed(1).padStart(6);
    process.stderr.write(`[${s}s] ${message}\n`);
  };

  let engine: PrivateEngine | undefined;
  let docker: Docker;
  if (values["engine-root"]) {
    progress(`starting a private engine in ${values["engine-root"]}`);
    engine = await startPrivateEngine({ root: values["engine-root"] });
    docker = engine.docker;
  } else {
    docker = connectEngine(values.socket);
    await waitFor("connecting to the engine", () => pingEngine(docker));
  }
  try {
    let chosen: BuildMethod;
    if (method === "auto") {
      progress("checking whether the engine reaches a registry");
      chosen = await waitFor("asking the registry", () => chooseMethod(docker));
      progress(`method: ${chosen}`);
    } else {
      chosen = method;
    }
    const built = await buildRouterImage({
      docker,
      method: chosen,
      tag: values.tag,
      cacheDir: values["cache-dir"],
      refresh: values.refresh,
      ...(values.mirror ? { mirror: values.mirror } : {}),
      onProgress: progress,
    });
    const versions = Object.entries(built.packages)
      .map(([p, v]) => `${p} ${v}`)
      .join(", ");
    progress(
      `built ${built.tag} (${built.id.slice(0, 19)}) by ${built.method}${versions ? `: ${versions}` : ""}`,
    );
  } finally {
    if (engine) {
      progress("stopping the private engine");
      await engine.stop();
    }
  }
}

main().catch((err: unknown) => {
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS")) {
    process.stderr.write(`${red("error:")} ${(err as Error).message}\nsee --help\n`);
  } else if (err instanceof LabError) {
    process.stderr.write(`${red("error:")} ${err.message}\n${err.hint ? `hint: ${err.hint}\n` : ""}`);
  } else {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  }
  process.exitCode = 1;
});
