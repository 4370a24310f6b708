// The relay process, run inside the lab's "internet" namespace:
//   node --import tsx lab/emulate/zerotier/relay-main.ts --bind 10.0.0.1 --port 9993 \
//     --endpoint home=10.0.0.2 --endpoint mine=10.0.0.6 --control /path/relay.sock [--seed N] \
//     [--path 'home->mine={"delayMs":10}' ...]
// Prints "relay ready" once the UDP socket and the control socket listen; the lab waits for that
// line. Logs go to stderr. Exit codes: 0 after SIGTERM/SIGINT, 2 bad arguments, 1 anything else.
import { startRelayService } from "./relay-service.ts";

const log = (line: string) => process.stderr.write(`relay: ${line}\n`);

async function main(argv: string[]): Promise<number> {
  // Listen for the signal from the start, so one arriving while binding still shuts down cleanly.
  const stopRequested = new Promise<string>((resolve) => {
    process.once("SIGTERM", () => resolve("SIGTERM"));
    process.once("SIGINT", () => resolve("SIGINT"));
  });
  const relay = await startRelayService(argv, log);
  if ("code" in relay) return relay.code;
  process.stdout.write("relay ready\n");
  log(`${await stopRequested}: shutting down`);
  await relay.stop();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Whatever is left open must not keep a stopped relay around.
    setTimeout(() => process.exit(code), 2000).unref();
  },
  (err: unknown) => {
    process.stderr.write(`relay-main: unexpected error: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
