// A client for BIRD's control socket (what birdc talks to). One connection, one command at a
// time: the protocol has no request ids, so replies are matched to commands by order only.
import net from "node:net";
import { LabError, TimeoutError } from "../util/errors.ts";
import { BirdCommandError, BirdProtocolError } from "./errors.ts";
import { type BirdReply, isErrorReply, ReplyReader } from "./reply.ts";

export { BirdCommandError, BirdProtocolError } from "./errors.ts";
export { assertBirdSymbol, quoteProtocolName, symbolArgument } from "./names.ts";
export type { BirdReply, BirdReplyLine } from "./reply.ts";

const WELCOME_CODE = 1;

interface Waiter {
  resolve(reply: BirdReply): void;
  reject(err: Error): void;
}

export class BirdClient {
  /** The welcome text, e.g. "BIRD 2.0.12 ready.". */
  welcome = "";
  private readonly reader = new ReplyReader();
  private waiter: Waiter | undefined;
  /** Set once the connection is unusable; every later request fails with it. */
  private failure: Error | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private connected = false;

  private constructor(
    readonly socketPath: string,
    private readonly socket: net.Socket,
  ) {
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => this.onData(chunk));
    socket.on("connect", () => {
      this.connected = true;
    });
    socket.on("error", (err) => this.fail(this.connected ? err : connectError(socketPath, err)));
    socket.on("close", () =>
      this.fail(new BirdProtocolError(`BIRD closed the control socket ${socketPath}`)),
    );
  }

  /** Connects and reads the welcome line. */
  static async connect(socketPath: string, timeoutMs = 5000): Promise<BirdClient> {
    const socket = net.createConnection(socketPath);
    const client = new BirdClient(socketPath, socket);
    try {
      const welcome = await client.nextReply("(welcome)", timeoutMs);
      if (welcome.code !== WELCOME_CODE) {
        throw new BirdProtocolError(
          `${socketPath}: expected welcome 0001, got ${welcome.code}: ${welcome.text}`,
        );
      }
      client.welcome = welcome.text;
      return client;
    } catch (err) {
      socket.destroy();
      throw err;
    }
  }

  /**
   * Sends one command and resolves with the complete reply. Requests queue behind each other;
   * `timeoutMs` counts from sending. A timeout closes the connection, because a late reply would
   * otherwise be taken as the answer to the next command.
   */
  request(command: string, timeoutMs = 5000): Promise<BirdReply> {
    if (/[\r\n\0]/.test(command)) {
      return Promise.reject(new LabError(`BIRD command must be one line: ${JSON.stringify(command)}`));
    }
    const next = this.queue.then(() => this.exchange(command, timeoutMs));
    this.queue = next.catch(() => undefined);
    return next;
  }

  close(): void {
    this.fail(new BirdProtocolError("client closed"));
    this.socket.destroy();
  }

  private async exchange(command: string, timeoutMs: number): Promise<BirdReply> {
    const reply = await this.nextReply(command, timeoutMs, () => this.socket.write(`${command}\n`));
    if (isErrorReply(reply)) {
      const last = reply.lines.at(-1);
      throw new BirdCommandError(reply.code, last?.text ?? "", command, reply.lines.slice(0, -1));
    }
    return reply;
  }

  /** Waits for the next reply; `send` runs once the waiter is in place. */
  private nextReply(what: string, timeoutMs: number, send?: () => void): Promise<BirdReply> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<BirdReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        const seen = this.reader.inProgress ? "a partial reply arrived" : "nothing arrived";
        const err = new TimeoutError(`BIRD reply to ${what} on ${this.socketPath}`, timeoutMs, seen);
        this.fail(err);
        this.socket.destroy();
      }, timeoutMs);
      const done =
        <T>(fn: (v: T) => void) =>
        (v: T) => {
          clearTimeout(timer);
          this.waiter = undefined;
          fn(v);
        };
      this.waiter = { resolve: done(resolve), reject: done(reject) };
      send?.();
    });
  }

  private onData(chunk: string): void {
    let replies: BirdReply[];
    try {
      replies = this.reader.push(chunk);
    } catch (err) {
      this.fail(err as Error);
      this.socket.destroy();
      return;
    }
    for (const reply of replies) {
      if (!this.waiter) {
        this.fail(new BirdProtocolError(`unsolicited reply from BIRD: ${reply.code} ${reply.text}`));
        this.socket.destroy();
        return;
      }
      this.waiter.resolve(reply);
    }
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.waiter?.reject(this.failure);
  }
}

/** Opens a connection, sends one command, closes. */
export async function birdRequest(socketPath: string, command: string, timeoutMs = 5000): Promise<BirdReply> {
  const client = await BirdClient.connect(socketPath, timeoutMs);
  try {
    return await client.request(command, timeoutMs);
  } finally {
    client.close();
  }
}

function connectError(socketPath: string, err: NodeJS.ErrnoException): LabError {
  return new LabError(
    `cannot connect to BIRD control socket ${socketPath}: ${err.code ?? err.message}`,
    "is bird running with -s pointing at this path (and may this user open it)?",
  );
}
