// Stand-in kubelets: answer on NODE_IP:10250 the way the API server and metrics-server reach a
// real kubelet, so "kubectl top node yuuko-k8s works" becomes "the control-plane node reaches
// yuuko-k8s:10250 across the sites". Plain HTTP (the real one is HTTPS, which would add nothing
// to a reachability check).
//
// One process serves every node: a Node.js process costs ~45 MiB, so one per node would be most
// of a large lab's memory. Each node's listener must still live in that node's network
// namespace; the process cannot enter namespaces itself, so it inherits the listening sockets,
// opened inside each namespace by a chain of lab/emulate/listen-fd.pl steps
// (runtime/netns/daemons.ts), as `--listen NODE=FD`. `--node NAME --address IP` listens by itself
// in the namespace the process runs in.
import { createServer } from "node:http";

interface Listener {
  node: string;
  /** An inherited listening socket, or an address to listen on here. */
  at: { fd: number } | { host: string; port: number };
}

function parseArgs(argv: string[]): Listener[] | string {
  const out: Listener[] = [];
  let node: string | undefined;
  let address: string | undefined;
  let port = 10250;
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1] ?? ""];
    if (flag === "--listen") {
      const m = /^([^=]+)=(\d+)$/.exec(value);
      if (!m || Number(m[2]) < 3) return `--listen wants NODE=FD (FD >= 3), got "${value}"`;
      out.push({ node: m[1] as string, at: { fd: Number(m[2]) } });
    } else if (flag === "--node") node = value;
    else if (flag === "--address") address = value;
    else if (flag === "--port") port = Number(value);
    else return `unknown argument "${flag}"`;
  }
  if (node && address && Number.isInteger(port)) out.push({ node, at: { host: address, port } });
  else if (node || address) return "--node and --address go together";
  return out.length ? out : "nothing to serve";
}

function serve({ node, at }: Listener, started: number): Promise<void> {
  const server = createServer((req, res) => {
    if (req.url === "/healthz") {
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    } else if (req.url === "/metrics/resource" || req.url === "/stats/summary") {
      const body = { node: { nodeName: node, startTime: new Date(started).toISOString() } };
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
    } else {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", (err) => reject(new Error(`kubelet ${node}: ${err.message}`)));
    const done = () => {
      const where = "fd" in at ? `descriptor ${at.fd}` : `${at.host}:${at.port}`;
      process.stdout.write(`kubelet ${node} listening on ${where}\n`);
      resolve();
    };
    if ("fd" in at) server.listen({ fd: at.fd }, done);
    else server.listen(at.port, at.host, done);
  });
}

async function main(argv: string[]): Promise<void> {
  const listeners = parseArgs(argv);
  if (typeof listeners === "string") {
    process.stderr.write(
      `kubelet: ${listeners}\nusage: kubelet (--listen NODE=FD)... | --node NAME --address IP [--port 10250]\n`,
    );
    process.exitCode = 2;
    return;
  }
  const started = Date.now();
  try {
    await Promise.all(listeners.map((l) => serve(l, started)));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  }
  // The line runtime/netns/daemons.ts waits for.
  process.stdout.write(`kubelets ready: ${listeners.length}\n`);
  process.on("SIGTERM", () => process.exit(0));
  process.on("SIGINT", () => process.exit(0));
}

await main(process.argv.slice(2));
