// Stand-in kubelet: answers on NODE_IP:10250 the way the API server and metrics-server reach a
// real kubelet, so "kubectl top node yuuko-k8s works" becomes "the control-plane node reaches
// yuuko-k8s:10250 across the sites". Runs inside the node's namespace; plain HTTP (the real
// one is HTTPS, which would add nothing to a reachability check).
import { createServer } from "node:http";

function main(argv: string[]): void {
  const arg = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const node = arg("--node");
  const address = arg("--address");
  const port = Number(arg("--port") ?? 10250);
  if (!node || !address || !Number.isInteger(port)) {
    process.stderr.write("usage: kubelet --node NAME --address IP [--port 10250]\n");
    process.exitCode = 2;
    return;
  }
  const started = Date.now();
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
  server.on("error", (err) => {
    process.stderr.write(`kubelet ${node}: ${err.message}\n`);
    process.exitCode = 1;
  });
  server.listen(port, address, () =>
    process.stdout.write(`kubelet ${node} listening on ${address}:${port}\n`),
  );
  const stop = () => server.close(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main(process.argv.slice(2));
