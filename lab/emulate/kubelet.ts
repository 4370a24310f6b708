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
//
// Each kubelet also renews its heartbeat with the control-plane stand-in (control-plane.ts) every
// 10 s, from a UDP socket opened inside its node's namespace (`--heartbeat NODE=FD`): one
// datagram per renewal crosses the emulated network like the kubelet's status update does. The
// real one is HTTPS over TCP; a process that cannot enter namespaces cannot open new TCP
// connections in them, and one long-lived connection would hide a cut behind TCP
// retransmission, while a datagram is lost exactly when the path is. The process holding the
// control-plane node also serves the control plane (`--api FD,UDPFD` on its address:6443).
import { createSocket, type Socket } from "node:dgram";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { ControlPlane, MONITOR_PERIOD_MS } from "./control-plane.ts";

const HEARTBEAT_MS = 10_000;

interface Options {
  listeners: Listener[];
  heartbeats: { node: string; fd: number; role: string; pods: string[] }[];
  controlPlane: string | null;
  api: { tcp: number; udp: number } | null;
  graceMs: number;
  tolerationMs: number;
}

interface Listener {
  node: string;
  /** An inherited listening socket, or an address to listen on here. */
  at: { fd: number } | { host: string; port: number };
}

function parseOptions(argv: string[]): Options | string {
  const o: Options = {
    listeners: [],
    heartbeats: [],
    controlPlane: null,
    api: null,
    graceMs: 50_000,
    tolerationMs: 300_000,
  };
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1] ?? ""];
    if (flag === "--heartbeat") {
      // NODE=FD:ROLE:POD,POD
      const m = /^([^=]+)=(\d+):([a-z-]+):(.*)$/.exec(value);
      if (!m || Number(m[2]) < 3) return `--heartbeat wants NODE=FD:ROLE:PODS, got "${value}"`;
      const pods = (m[4] as string).split(",").filter(Boolean);
      o.heartbeats.push({ node: m[1] as string, fd: Number(m[2]), role: m[3] as string, pods });
    } else if (flag === "--control-plane") o.controlPlane = value;
    else if (flag === "--api") {
      const m = /^(\d+),(\d+)$/.exec(value);
      if (!m) return `--api wants TCPFD,UDPFD, got "${value}"`;
      o.api = { tcp: Number(m[1]), udp: Number(m[2]) };
    } else if (flag === "--grace-ms") o.graceMs = Number(value);
    else if (flag === "--toleration-ms") o.tolerationMs = Number(value);
    else rest.push(flag as string, value);
  }
  if (o.heartbeats.length && !o.controlPlane) return "--heartbeat needs --control-plane ADDRESS";
  if (!(o.graceMs > 0 && o.tolerationMs >= 0)) return "--grace-ms and --toleration-ms want milliseconds";
  const listeners = parseArgs(rest);
  if (typeof listeners === "string") return listeners;
  o.listeners = listeners;
  return o;
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

/** The control plane: heartbeats on UDP, GET /nodes on TCP, both on its address:6443. */
function serveControlPlane(api: { tcp: number; udp: number }, o: Options): Promise<void> {
  const cp = new ControlPlane(o.graceMs, o.tolerationMs);
  for (const hb of o.heartbeats) cp.register(hb, Date.now());
  const udp = createSocket("udp4");
  udp.on("message", (msg) => cp.heartbeat(msg.toString("utf8"), Date.now()));
  udp.bind({ fd: api.udp });
  setInterval(() => cp.monitor(Date.now()), MONITOR_PERIOD_MS).unref();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.url === "/nodes") {
      cp.monitor(Date.now());
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(cp.view(Date.now())));
    } else res.writeHead(404).end();
  });
  return new Promise((resolve, reject) => {
    server.once("error", (err) => reject(new Error(`control plane: ${err.message}`)));
    server.listen({ fd: api.tcp }, () => {
      process.stdout.write(`control plane listening on descriptors ${api.tcp} (tcp), ${api.udp} (udp)\n`);
      resolve();
    });
  });
}

/** Renews each node's heartbeat every 10 s from its own namespace; a lost one is only lost. */
function startHeartbeats(o: Options): void {
  const sockets: { hb: Options["heartbeats"][number]; socket: Socket }[] = o.heartbeats.map((hb) => {
    const socket = createSocket("udp4");
    socket.on("error", () => {}); // unreachable while the path is cut: the next beat retries
    socket.bind({ fd: hb.fd });
    return { hb, socket };
  });
  const beat = () => {
    for (const { hb, socket } of sockets) {
      const msg = JSON.stringify({ node: hb.node, role: hb.role, pods: hb.pods });
      socket.send(msg, 6443, o.controlPlane as string, () => {});
    }
  };
  // A starting kubelet retries its registration quickly (kubelet registerWithAPIServer: 100 ms
  // doubling to 7 s) until the API server answers; a datagram gets no answer, so every second
  // for the first REGISTERING_MS (a fresh lab converges within it), then the 10 s renewal.
  const started = Date.now();
  const next = () => {
    beat();
    setTimeout(next, Date.now() - started < REGISTERING_MS ? 1000 : HEARTBEAT_MS);
  };
  next();
}

const REGISTERING_MS = 30_000;

export const KUBELET_USAGE =
  "usage: kubelet (--listen NODE=FD)... [--heartbeat NODE=FD:ROLE:PODS]... [--control-plane IP] [--api TCPFD,UDPFD --grace-ms MS --toleration-ms MS] | --node NAME --address IP [--port 10250]";

/** Serves the kubelets (and the control plane) the arguments name, in this process: 0 once all
 * listen (after "kubelets ready: N" on stdout), 2 for bad arguments, 1 when one cannot listen. */
export async function serveKubelets(argv: string[]): Promise<number> {
  const o = parseOptions(argv);
  if (typeof o === "string") {
    process.stderr.write(`kubelet: ${o}\n${KUBELET_USAGE}\n`);
    return 2;
  }
  const listeners = o.listeners;
  const started = Date.now();
  try {
    await Promise.all([
      ...listeners.map((l) => serve(l, started)),
      ...(o.api ? [serveControlPlane(o.api, o)] : []),
    ]);
    // After the control plane listens, so the first beats of its own process are not lost.
    startHeartbeats(o);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 1;
  }
  // The line runtime/netns/daemons.ts waits for.
  process.stdout.write(`kubelets ready: ${listeners.length}\n`);
  return 0;
}
