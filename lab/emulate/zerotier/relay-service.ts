// The relay with its control socket, started from command-line words, for whichever process
// hosts it: relay-main.ts on its own, or the lab's helpers process (../helpers-main.ts) beside
// the kubelet stand-ins.
import { LabError } from "../../util/errors.ts";
import { RelayControlServer } from "./control.ts";
import { parseRelayMainArgs, RELAY_MAIN_USAGE } from "./main-args.ts";
import { ZerotierRelay } from "./relay.ts";

export type RelayService = { stop(): Promise<void> } | { code: number };

/** Binds the relay and its control socket; `{ code }` when it did not (2 bad arguments, 1
 * anything else, 0 after --help), the message already on stderr. */
export async function startRelayService(argv: string[], log: (line: string) => void): Promise<RelayService> {
  let relay: ZerotierRelay;
  let control: string;
  try {
    const opts = parseRelayMainArgs(argv);
    if (opts.help) {
      process.stdout.write(`${RELAY_MAIN_USAGE}\n`);
      return { code: 0 };
    }
    control = opts.control;
    relay = new ZerotierRelay({
      bindAddress: opts.bind,
      port: opts.port,
      peerPort: opts.peerPort,
      endpoints: opts.endpoints,
      seed: opts.seed,
      baseline: opts.baseline,
      ...(opts.rootFd === undefined ? {} : { rootSocket: { fd: opts.rootFd } }),
      log,
    });
  } catch (err) {
    // A UsageError is a LabError too.
    if (!(err instanceof LabError)) throw err;
    process.stderr.write(`relay-main: ${err.message}\n`);
    return { code: 2 };
  }
  const server = new RelayControlServer(control, relay, log);
  try {
    await relay.start();
    await server.listen();
  } catch (err) {
    process.stderr.write(`relay-main: ${err instanceof Error ? err.message : String(err)}\n`);
    await server.close();
    await relay.stop();
    return { code: 1 };
  }
  return {
    async stop() {
      await server.close();
      await relay.stop();
    },
  };
}
