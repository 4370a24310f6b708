// The lab's one helper process at `up`: the ZeroTier relay and the kubelet stand-ins (with the
// control plane) of every node, in the lab's inet namespace. Two Node.js processes cost two
// runtimes (~40 MiB resident each, mostly the node binary's own pages); one hosts both for the
// price of one. The ZeroTier root's socket (opened in the root's own namespace) and the kubelets'
// sockets are inherited from the listen-fd.pl chain (runtime/netns/daemons.ts, helpersArgv) that
// execs into this process.
//   node helpers.mjs [kubelet arguments] --relay [relay arguments]
// Prints "relay ready", then "kubelets ready: N"; exits 0 after SIGTERM/SIGINT, 2 bad arguments.
import { serveKubelets } from "./kubelet.ts";
import { startRelayService } from "./zerotier/relay-service.ts";

const log = (line: string) => process.stderr.write(`relay: ${line}\n`);

async function main(argv: string[]): Promise<number> {
  const stopRequested = new Promise<string>((resolve) => {
    process.once("SIGTERM", () => resolve("SIGTERM"));
    process.once("SIGINT", () => resolve("SIGINT"));
  });
  const at = argv.indexOf("--relay");
  if (at < 0) {
    process.stderr.write("helpers: usage: helpers [kubelet arguments] --relay [relay arguments]\n");
    return 2;
  }
  const relay = await startRelayService(argv.slice(at + 1), log);
  if ("code" in relay) return relay.code;
  process.stdout.write("relay ready\n");
  const kubelets = argv.slice(0, at);
  const code = kubelets.length ? await serveKubelets(kubelets) : 0;
  if (code !== 0) {
    await relay.stop();
    return code;
  }
  log(`${await stopRequested}: shutting down`);
  await relay.stop();
  return 0;
}

main(process.argv.slice(2)).then(
  // The kubelets' servers keep the loop alive: leave once the relay is closed.
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`helpers: unexpected error: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
