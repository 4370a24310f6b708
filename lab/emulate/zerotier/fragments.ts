// How ZeroTier splits a frame into UDP datagrams and puts them back together, for the relay:
// it receives one VXLAN datagram per frame and must hand one to the other side, but in between
// each of ZeroTier's fragments is lost and delayed on its own. Pure: no sockets, no clock.
//
// Every constant below is from zerotier/ZeroTierOne 1.14.1 (the release the lab follows):
// - ZT_DEFAULT_PHYSMTU 1432 (include/ZeroTierOne.h): the largest UDP payload ZeroTier sends.
// - ZT_PACKET_IDX_PAYLOAD 28 (node/Packet.hpp): a packet's header (IV 8, destination 5, source 5,
//   flags 1, MAC 8, verb 1) before its payload.
// - A unicast frame is a VERB_FRAME packet: network id (8) and ethertype (2), then the Ethernet
//   payload; the MAC addresses are not sent and frames are not compressed (node/Switch.cpp,
//   Switch::onLocalEthernet; ZT_PROTO_VERB_FRAME_IDX_PAYLOAD in node/Packet.hpp).
// - The first datagram is the packet's first ZT_DEFAULT_PHYSMTU bytes; each further fragment
//   carries up to ZT_DEFAULT_PHYSMTU - ZT_PROTO_MIN_FRAGMENT_LENGTH bytes behind its own 16-byte
//   header (ZT_PACKET_FRAGMENT_IDX_PAYLOAD 16; Switch::_sendViaSpecificPath).
// - Reassembly (Switch::onRemotePacket) keeps incomplete packets in a ring of ZT_RX_QUEUE_SIZE 32
//   entries (node/Constants.hpp) shared by all peers: each new fragmented packet takes the next
//   entry, overwriting whatever was there. There is no time limit on an incomplete packet in 1.14
//   (the older ZT_FRAGMENTED_PACKET_RECEIVE_TIMEOUT is gone; ZT_RECEIVE_QUEUE_TIMEOUT only ages
//   complete packets waiting for WHOIS): a frame is lost once 32 newer fragmented packets started
//   reassembly before its last fragment arrived. A duplicate fragment of a pending packet is
//   ignored; an unfragmented packet never enters the ring.

export const ZT_DEFAULT_PHYSMTU = 1432;
/** ZT_MIN_PHYSMTU and ZT_MAX_PHYSMTU (include/ZeroTierOne.h): the range ZeroTier accepts. */
export const ZT_MIN_PHYSMTU = 1400;
export const ZT_MAX_PHYSMTU = 10100 + 224;
export const ZT_PACKET_HEADER = 28;
/** Network id and ethertype of a VERB_FRAME packet. */
export const ZT_FRAME_HEADER = 8 + 2;
export const ZT_FRAGMENT_HEADER = 16;
export const ZT_RX_QUEUE_SIZE = 32;
/** What the kernel's VXLAN puts around the frame's Ethernet payload: its own 8-byte header and the
 * 14-byte Ethernet header (ZeroTier sends neither). */
export const VXLAN_FRAME_OVERHEAD = 8 + 14;

/**
 * The UDP payload sizes ZeroTier would send for the frame in one VXLAN datagram of `vxlanBytes`
 * (UDP payload). One entry for a frame that fits in one datagram.
 */
export function fragmentSizes(vxlanBytes: number, physMtu: number = ZT_DEFAULT_PHYSMTU): number[] {
  const ethernetPayload = Math.max(0, vxlanBytes - VXLAN_FRAME_OVERHEAD);
  const packet = ZT_PACKET_HEADER + ZT_FRAME_HEADER + ethernetPayload;
  if (packet <= physMtu) return [packet];
  const sizes = [physMtu];
  const perFragment = physMtu - ZT_FRAGMENT_HEADER;
  for (let rest = packet - physMtu; rest > 0; rest -= perFragment)
    sizes.push(ZT_FRAGMENT_HEADER + Math.min(rest, perFragment));
  return sizes;
}

/** What became of one arriving fragment. */
export type ReassemblyResult<T> =
  | { kind: "complete"; frame: T }
  | { kind: "pending" }
  /** Already have this fragment of a pending frame: ignored, as ZeroTier does. */
  | { kind: "duplicate" };

interface Entry<T> {
  id: number;
  total: number;
  have: Set<number>;
  frame: T;
  /** false once complete: the entry is free, as ZeroTier zeroes its timestamp. */
  inUse: boolean;
}

/**
 * One receiver's reassembly ring. `onEvict` is told of a frame that lost its entry before all
 * its fragments arrived (the frame is lost).
 */
export class Reassembler<T> {
  readonly #ring: (Entry<T> | undefined)[];
  readonly #onEvict: (frame: T) => void;
  #next = 0;

  constructor(onEvict: (frame: T) => void, size: number = ZT_RX_QUEUE_SIZE) {
    if (!(Number.isInteger(size) && size > 0)) throw new Error(`reassembly ring size ${size} is not > 0`);
    this.#ring = new Array(size);
    this.#onEvict = onEvict;
  }

  /** Frames waiting for a fragment now. */
  get pending(): number {
    return this.#ring.filter((e) => e?.inUse).length;
  }

  /** Fragment `index` (0-based) of `total` of the frame `id` arrived. */
  add(id: number, index: number, total: number, frame: T): ReassemblyResult<T> {
    if (total <= 1) return { kind: "complete", frame };
    let entry = this.#find(id);
    if (!entry) {
      const slot = this.#next;
      this.#next = (this.#next + 1) % this.#ring.length;
      const old = this.#ring[slot];
      if (old?.inUse) this.#onEvict(old.frame);
      entry = { id, total, have: new Set(), frame, inUse: true };
      this.#ring[slot] = entry;
    }
    if (entry.have.has(index)) return { kind: "duplicate" };
    entry.have.add(index);
    if (entry.have.size < entry.total) return { kind: "pending" };
    entry.inUse = false;
    return { kind: "complete", frame: entry.frame };
  }

  /** Forgets everything without reporting evictions (relay stop). */
  clear(): void {
    this.#ring.fill(undefined);
    this.#next = 0;
  }

  #find(id: number): Entry<T> | undefined {
    for (const e of this.#ring) if (e?.inUse && e.id === id) return e;
    return undefined;
  }
}
