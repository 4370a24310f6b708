// The relay process's command line, kept apart from relay-main.ts so it can be tested without
// starting a process.
import { isIP } from "node:net";
import { UsageError } from "../../util/errors.ts";
import type { Impairment } from "./impairment.ts";
import type { RelayEndpoint } from "./relay.ts";
import type { DirectionBaseline } from "./wan-path.ts";

export interface RelayMainOptions {
  bind: string;
  port: number;
  peerPort: number;
  endpoints: RelayEndpoint[];
  control: string;
  seed: number | undefined;
  /** The topology's path per direction (--path, repeatable). */
  baseline: DirectionBaseline[];
  /** The root's UDP socket, opened in the root's own namespace (--root-fd); none: beside the relay. */
  rootFd: number | undefined;
  help: boolean;
}

export const RELAY_MAIN_USAGE =
  "usage: relay-main.ts --bind IP [--port 9993] [--peer-port PORT] --endpoint NAME=IP --endpoint NAME=IP" +
  " [--endpoint ...] --control SOCKET [--seed N] [--path FROM->TO=JSON ...] [--root-fd FD]";

const EXAMPLES: Record<string, string> = {
  "--bind": "--bind 10.0.0.1",
  "--port": "--port 9993",
  "--peer-port": "--peer-port 9993",
  "--endpoint": "--endpoint home=10.0.0.2",
  "--control": "--control /run/lab/relay.sock",
  "--seed": "--seed 42",
  "--path": '--path home->mine={"delayMs":10,"jitterMs":1}',
  "--root-fd": "--root-fd 3",
};

export function parseRelayMainArgs(argv: readonly string[]): RelayMainOptions {
  const values = new Map<string, string>();
  const endpoints: RelayEndpoint[] = [];
  const baseline: DirectionBaseline[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    if (flag === "--help" || flag === "-h") {
      help = true;
      continue;
    }
    const example = EXAMPLES[flag];
    if (!example) {
      throw new UsageError(
        `unknown argument ${JSON.stringify(flag)}: known flags are ${Object.keys(EXAMPLES).join(", ")}\n${RELAY_MAIN_USAGE}`,
      );
    }
    const value = argv[i + 1];
    if (value === undefined || value.startsWith("--"))
      throw new UsageError(`${flag} needs a value (example: ${example})`);
    i++;
    if (flag === "--endpoint") endpoints.push(parseEndpoint(value));
    else if (flag === "--path") baseline.push(parsePath(value));
    else if (values.has(flag)) throw new UsageError(`${flag} given more than once (example: ${example})`);
    else values.set(flag, value);
  }
  if (help)
    return {
      bind: "",
      port: 0,
      peerPort: 0,
      endpoints,
      control: "",
      seed: undefined,
      baseline,
      rootFd: undefined,
      help,
    };

  const bind = required(values, "--bind");
  if (isIP(bind) === 0) throw bad("--bind", bind, "not an IP address");
  const port = intFlag(values, "--port", 0, 65535) ?? 9993;
  const peerPort = intFlag(values, "--peer-port", 1, 65535) ?? port;
  if (peerPort === 0)
    throw new UsageError(`--port 0 needs --peer-port (example: ${EXAMPLES["--peer-port"]})`);
  if (endpoints.length < 2)
    throw new UsageError(
      `--endpoint needs to be given at least twice, got ${endpoints.length} (example: --endpoint home=10.0.0.2 --endpoint mine=10.0.0.6)`,
      "--endpoint",
    );
  const control = required(values, "--control");
  const seed = intFlag(values, "--seed", 0, 2 ** 32 - 1);
  // 0-2 are stdin, stdout and stderr.
  const rootFd = intFlag(values, "--root-fd", 3, 65535);
  return { bind, port, peerPort, endpoints, control, seed, baseline, rootFd, help };
}

/** FROM->TO=JSON impairment; the relay checks the direction and the fields. */
function parsePath(value: string): DirectionBaseline {
  const eq = value.indexOf("=");
  const direction = value.slice(0, eq);
  let impairment: unknown;
  try {
    impairment = JSON.parse(value.slice(eq + 1));
  } catch {
    impairment = undefined;
  }
  if (eq <= 0 || !direction.includes("->") || typeof impairment !== "object" || impairment === null)
    throw bad("--path", value, "not FROM->TO=JSON");
  return { direction, impairment: impairment as Partial<Impairment> };
}

function parseEndpoint(value: string): RelayEndpoint {
  const eq = value.indexOf("=");
  const name = value.slice(0, eq);
  const address = value.slice(eq + 1);
  if (eq <= 0 || isIP(address) === 0) throw bad("--endpoint", value, "not NAME=IP");
  return { name, address };
}

function required(values: Map<string, string>, flag: string): string {
  const value = values.get(flag);
  if (value === undefined) throw new UsageError(`${flag} is required (example: ${EXAMPLES[flag]})`);
  return value;
}

function intFlag(values: Map<string, string>, flag: string, min: number, max: number): number | undefined {
  const value = values.get(flag);
  if (value === undefined) return undefined;
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= min && n <= max)) throw bad(flag, value, `not a whole number from ${min} to ${max}`);
  return n;
}

function bad(flag: string, value: string, what: string): UsageError {
  return new UsageError(`${flag} ${JSON.stringify(value)}: ${what} (example: ${EXAMPLES[flag]})`);
}
