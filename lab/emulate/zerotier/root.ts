// The emulated ZeroTier root ("planet") that relays a peer's packets when no direct path works.
// A real root reads the destination's ZeroTier address from each packet's header and forwards
// the packet to that peer's physical address (ZeroTierOne node/Switch.cpp, Switch::onRemotePacket
// relaying when the destination is not itself). Here the relay hands the root each relayed frame
// behind a 2-byte header naming the receiving endpoint; the root holds it for its own delay (the
// detour through another city) and sends it on from its own address, so a receiving router sees
// relayed traffic arrive from the root, as a ZeroTier peer does.
//
// Its socket normally lives in a namespace of its own (runtime/netns/plan.ts), opened there by
// lab/emulate/listen-fd.pl and inherited by descriptor; without one (the relay's own tests, a
// relay started by hand) it binds beside the relay.
import dgram from "node:dgram";
import { isIP } from "node:net";
import { LabError } from "../../util/errors.ts";
import { DepartureQueue } from "./departure-queue.ts";
import type { RelayEndpoint } from "./relay.ts";

/** The destination endpoint's index, big-endian, before the frame. */
export const ROOT_HEADER_BYTES = 2;
/** The header's index counts up to this many endpoints. */
export const ROOT_MAX_ENDPOINTS = 0xffff;

export type RootSocket =
  /** A UDP socket bound in the root's own namespace, inherited on this descriptor. */
  | { fd: number }
  /** Bind here, in the caller's namespace (port 0: any free port). */
  | { address: string; port?: number };

export interface RootOptions {
  socket: RootSocket;
  endpoints: RelayEndpoint[];
  /** The port the endpoints receive on. */
  peerPort: number;
  /** Added one-way delay of the detour through the root. */
  delayMs: number;
  /** The only source the root relays for (the relay's sending address); others are counted. */
  relayAddress: string;
  now: () => number;
  log?: (line: string) => void;
}

export interface RootStatus {
  address: string | null;
  port: number | null;
  /** The socket came from the root's own namespace. */
  ownNamespace: boolean;
  delayMs: number;
  /** Frames sent on to their endpoint. */
  forwarded: number;
  /** Waiting out the root's delay now. */
  queued: number;
  /** Datagrams the root would not relay: a stranger's, too short or for no endpoint. */
  refused: number;
  sendErrors: number;
}

/** `frame` behind the header naming endpoint `index`: what the relay sends the root. */
export function rootDatagram(index: number, frame: Buffer): Buffer[] {
  const header = Buffer.allocUnsafe(ROOT_HEADER_BYTES);
  header.writeUInt16BE(index, 0);
  return [header, frame];
}

/** The endpoint index and the frame of a datagram for the root, or null when it is not one. */
export function parseRootDatagram(msg: Buffer, endpoints: number): { index: number; frame: Buffer } | null {
  if (msg.length <= ROOT_HEADER_BYTES) return null;
  const index = msg.readUInt16BE(0);
  if (index >= endpoints) return null;
  return { index, frame: msg.subarray(ROOT_HEADER_BYTES) };
}

export class ZerotierRoot {
  readonly #opts: RootOptions;
  readonly #queue: DepartureQueue<{ to: RelayEndpoint; frame: Buffer }>;
  #delayMs: number;
  #socket: dgram.Socket | undefined;
  #counts = { forwarded: 0, refused: 0, sendErrors: 0 };

  constructor(opts: RootOptions) {
    if (opts.endpoints.length > ROOT_MAX_ENDPOINTS)
      throw new LabError(`root: at most ${ROOT_MAX_ENDPOINTS} endpoints, got ${opts.endpoints.length}`);
    this.#opts = opts;
    this.#delayMs = opts.delayMs;
    this.#queue = new DepartureQueue(({ to, frame }) => this.#send(to, frame), opts.now);
  }

  get delayMs(): number {
    return this.#delayMs;
  }

  set delayMs(ms: number) {
    this.#delayMs = ms;
  }

  /** The address the relay sends relayed frames to; null before start(). */
  get address(): { address: string; port: number } | null {
    if (!this.#socket) return null;
    const { address, port } = this.#socket.address();
    return { address, port };
  }

  async start(): Promise<void> {
    if (this.#socket) throw new Error("root already started");
    const where = this.#opts.socket;
    const family = "fd" in where ? "udp4" : isIP(where.address) === 6 ? "udp6" : "udp4";
    const socket = dgram.createSocket({ type: family });
    this.#socket = socket;
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once("error", reject);
        const bound = () => {
          socket.off("error", reject);
          resolve();
        };
        if ("fd" in where) socket.bind({ fd: where.fd }, bound);
        else socket.bind({ address: where.address, port: where.port ?? 0, exclusive: true }, bound);
      });
    } catch (err) {
      this.#socket = undefined;
      socket.close();
      const at = "fd" in where ? `descriptor ${where.fd}` : `${where.address}:${where.port ?? 0}`;
      throw new LabError(`root: cannot use UDP ${at}: ${err instanceof Error ? err.message : String(err)}`);
    }
    socket.on("error", (err) => this.#opts.log?.(`root socket error: ${err.message}`));
    socket.on("message", (msg, rinfo) => this.#onMessage(msg, rinfo.address));
  }

  async stop(): Promise<void> {
    this.#queue.clear();
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  status(): RootStatus {
    const at = this.address;
    return {
      address: at?.address ?? null,
      port: at?.port ?? null,
      ownNamespace: "fd" in this.#opts.socket,
      delayMs: this.#delayMs,
      forwarded: this.#counts.forwarded,
      queued: this.#queue.size,
      refused: this.#counts.refused,
      sendErrors: this.#counts.sendErrors,
    };
  }

  resetCounters(): void {
    this.#counts = { forwarded: 0, refused: 0, sendErrors: 0 };
  }

  #onMessage(msg: Buffer, from: string): void {
    const parsed =
      from === this.#opts.relayAddress ? parseRootDatagram(msg, this.#opts.endpoints.length) : null;
    const to = parsed ? this.#opts.endpoints[parsed.index] : undefined;
    if (!parsed || !to) {
      this.#counts.refused++;
      return;
    }
    this.#queue.push(this.#opts.now() + this.#delayMs, { to, frame: parsed.frame });
  }

  #send(to: RelayEndpoint, frame: Buffer): void {
    this.#socket?.send(frame, this.#opts.peerPort, to.address, (err) => {
      if (!err) return;
      this.#counts.sendErrors++;
      if (Number.isInteger(Math.log10(this.#counts.sendErrors)))
        this.#opts.log?.(
          `root: send to ${to.address} failed (${this.#counts.sendErrors} so far): ${err.message}`,
        );
    });
    this.#counts.forwarded++;
  }
}
