// Run-time control of a running relay over a unix socket: newline-delimited JSON, one reply line
// per request line. The server side dispatches to the relay; relayRequest() is the client.
import { unlink } from "node:fs/promises";
import net from "node:net";
import { LabError } from "../../util/errors.ts";
import type { Impairment } from "./impairment.ts";
import type { RelayStatus, ZerotierRelay } from "./relay.ts";

export type RelayRequest =
  | { op: "show" }
  | { op: "set"; direction: string; impairment: Partial<Impairment> }
  | { op: "down"; direction?: string }
  | { op: "up"; direction?: string }
  | { op: "reset"; counters?: boolean }
  | { op: "direct-down"; direction?: string }
  | { op: "direct-up"; direction?: string }
  | { op: "root"; delayMs: number };

export type RelayOkReply = { ok: true; status: RelayStatus };
export type RelayReply = RelayOkReply | { ok: false; error: string };

/** What the control server needs from a relay (a fake in tests). */
export type RelayControl = Pick<
  ZerotierRelay,
  "show" | "set" | "down" | "up" | "reset" | "directDown" | "directUp" | "setRootDelay"
>;

const OPS = ["show", "set", "down", "up", "reset", "direct-down", "direct-up", "root"];
/** A request line longer than this is garbage, not a request: refuse rather than buffer it. */
const MAX_LINE = 64 * 1024;
/** sun_path is 108 bytes on Linux, including the terminating NUL. */
const MAX_SOCKET_PATH = 107;

/** Runs one request against the relay. Never throws: every failure becomes an error reply. */
export function handleControlRequest(relay: RelayControl, request: unknown): RelayReply {
  try {
    if (typeof request !== "object" || request === null || Array.isArray(request))
      return fail(`request must be a JSON object with "op" (one of ${OPS.join(", ")})`);
    const req = request as Record<string, unknown>;
    const direction = req.direction ?? "both";
    if (typeof direction !== "string") return fail(`"direction" must be a string such as "both"`);
    switch (req.op) {
      case "show":
        break;
      case "set":
        if (req.direction === undefined) return fail(`"set" needs "direction" ("both" or like "a->b")`);
        if (req.impairment === undefined) return fail(`"set" needs "impairment", e.g. {"delayMs":30}`);
        relay.set(direction, req.impairment as Partial<Impairment>);
        break;
      case "down":
        relay.down(direction);
        break;
      case "up":
        relay.up(direction);
        break;
      case "direct-down":
        relay.directDown(direction);
        break;
      case "direct-up":
        relay.directUp(direction);
        break;
      case "root":
        if (typeof req.delayMs !== "number")
          return fail(`"root" needs "delayMs", e.g. {"op":"root","delayMs":20}`);
        relay.setRootDelay(req.delayMs);
        break;
      case "reset":
        if (req.counters !== undefined && typeof req.counters !== "boolean")
          return fail(`"counters" must be true or false`);
        relay.reset({ counters: req.counters === true });
        break;
      default:
        return fail(`unknown op ${JSON.stringify(req.op)}: expected one of ${OPS.join(", ")}`);
    }
    return { ok: true, status: relay.show() };
  } catch (err) {
    return fail(err instanceof Error ? err.message : String(err));
  }
}

export class RelayControlServer {
  readonly #path: string;
  readonly #relay: RelayControl;
  readonly #log: (line: string) => void;
  readonly #server = net.createServer((socket) => this.#serve(socket));
  readonly #clients = new Set<net.Socket>();
  #listening = false;

  constructor(socketPath: string, relay: RelayControl, log?: (line: string) => void) {
    this.#path = socketPath;
    this.#relay = relay;
    this.#log = log ?? (() => {});
  }

  get path(): string {
    return this.#path;
  }

  /** Listens on the socket path, replacing a stale socket file left by a killed relay. */
  async listen(): Promise<void> {
    if (Buffer.byteLength(this.#path) > MAX_SOCKET_PATH)
      throw new LabError(`control socket path is longer than ${MAX_SOCKET_PATH} bytes: ${this.#path}`);
    try {
      await this.#listenOnce();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE") throw listenError(this.#path, err);
      if (await answers(this.#path))
        throw new LabError(`control socket ${this.#path} belongs to a relay that is still running`);
      await unlink(this.#path);
      try {
        await this.#listenOnce();
      } catch (err2) {
        throw listenError(this.#path, err2);
      }
    }
    this.#listening = true;
  }

  /** Stops listening, drops clients and removes the socket file. */
  async close(): Promise<void> {
    for (const client of this.#clients) client.destroy();
    // Only our own socket file: after a failed listen it may belong to another relay.
    if (!this.#listening) return;
    this.#listening = false;
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    await unlink(this.#path).catch(() => {}); // usually already gone: Node removes it on close
  }

  #listenOnce(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(this.#path, () => {
        this.#server.off("error", reject);
        resolve();
      });
    });
  }

  #serve(socket: net.Socket): void {
    this.#clients.add(socket);
    socket.on("close", () => this.#clients.delete(socket));
    socket.on("error", (err) => this.#log(`control client error: ${err.message}`));
    socket.setEncoding("utf8");
    let pending = "";
    socket.on("data", (chunk: string) => {
      pending += chunk;
      for (let nl = pending.indexOf("\n"); nl >= 0; nl = pending.indexOf("\n")) {
        const line = pending.slice(0, nl).trim();
        pending = pending.slice(nl + 1);
        if (line !== "") socket.write(`${JSON.stringify(this.#answer(line))}\n`);
      }
      if (pending.length > MAX_LINE) {
        socket.end(`${JSON.stringify(fail(`request line longer than ${MAX_LINE} bytes`))}\n`);
        pending = "";
      }
    });
  }

  #answer(line: string): RelayReply {
    let request: unknown;
    try {
      request = JSON.parse(line);
    } catch (err) {
      return fail(`request is not JSON: ${(err as Error).message}`);
    }
    return handleControlRequest(this.#relay, request);
  }
}

/**
 * Sends one request and resolves with the relay's ok reply. Rejects with a LabError saying what
 * to do when the socket is missing, refuses, times out, or the relay answers {"ok":false}.
 */
export function relayRequest(
  socketPath: string,
  request: RelayRequest,
  timeoutMs = 2000,
): Promise<RelayOkReply> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection(socketPath);
    let settled = false;
    let received = "";
    const finish = (err: Error | null, reply?: RelayOkReply) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(reply as RelayOkReply);
    };
    const timer = setTimeout(
      () => finish(new LabError(`relay control socket ${socketPath} did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.setEncoding("utf8");
    socket.on("connect", () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on("data", (chunk: string) => {
      received += chunk;
      const nl = received.indexOf("\n");
      if (nl >= 0) finish(...readReply(socketPath, request, received.slice(0, nl)));
    });
    socket.on("error", (err) => finish(connectError(socketPath, err)));
    socket.on("close", () =>
      finish(new LabError(`relay control socket ${socketPath} closed the connection without answering`)),
    );
  });
}

function readReply(socketPath: string, request: RelayRequest, line: string): [Error | null, RelayOkReply?] {
  let reply: RelayReply;
  try {
    reply = JSON.parse(line) as RelayReply;
  } catch {
    return [new LabError(`relay control socket ${socketPath} answered with something that is not JSON`)];
  }
  if (reply?.ok === true) return [null, reply];
  const error = reply && "error" in reply ? reply.error : line;
  return [new LabError(`relay refused ${JSON.stringify(request.op)}: ${error}`)];
}

function connectError(socketPath: string, err: NodeJS.ErrnoException): LabError {
  switch (err.code) {
    case "ENOENT":
      return new LabError(`relay control socket ${socketPath} not found: is the lab up?`);
    case "ECONNREFUSED":
      return new LabError(
        `relay control socket ${socketPath} refused the connection: the relay is not running (stale socket?)`,
      );
    case "EACCES":
      return new LabError(`relay control socket ${socketPath}: permission denied (run as root?)`);
    default:
      return new LabError(`relay control socket ${socketPath}: ${err.message}`);
  }
}

function listenError(socketPath: string, err: unknown): LabError {
  return new LabError(`cannot listen on control socket ${socketPath}: ${(err as Error).message}`);
}

/** Whether something accepts connections on the socket path (a live relay, not a stale file). */
function answers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createConnection(socketPath);
    const done = (alive: boolean) => {
      clearTimeout(timer);
      probe.destroy();
      resolve(alive);
    };
    const timer = setTimeout(() => done(true), 500); // slow to answer is still alive
    probe.on("connect", () => done(true));
    probe.on("error", () => done(false));
  });
}

function fail(error: string): { ok: false; error: string } {
  return { ok: false, error };
}
