// IPv4 address and prefix arithmetic: just what the model's checks need.
import type { Cidr } from "./model.ts";

const OCTET = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const ADDRESS_RE = new RegExp(`^${OCTET}(\\.${OCTET}){3}$`);

export function isIPv4(text: string): boolean {
  return ADDRESS_RE.test(text);
}

export function toInt(address: string): number {
  return address.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
}

export function fromInt(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

/** Parses "a.b.c.d/len"; returns null when malformed. Host bits may be set (see `network`). */
export function parseCidr(text: string): Cidr | null {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(text);
  if (!m || !isIPv4(m[1] as string)) return null;
  const prefixLength = Number(m[2]);
  if (prefixLength > 32) return null;
  const network = fromInt(maskInt(toInt(m[1] as string), prefixLength));
  return { text, network, prefixLength };
}

function maskInt(n: number, len: number): number {
  if (len === 0) return 0;
  const size = 2 ** (32 - len);
  return n - (n % size);
}

export function hasHostBits(c: Cidr): boolean {
  return c.text.split("/")[0] !== c.network;
}

export function contains(c: Cidr, address: string): boolean {
  return maskInt(toInt(address), c.prefixLength) === toInt(c.network);
}

export function containsCidr(outer: Cidr, inner: Cidr): boolean {
  return inner.prefixLength >= outer.prefixLength && contains(outer, inner.network);
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return containsCidr(a, b) || containsCidr(b, a);
}

/** Number of usable host addresses (network and broadcast excluded below /31). */
export function hostCount(c: Cidr): number {
  const size = 2 ** (32 - c.prefixLength);
  return c.prefixLength >= 31 ? size : size - 2;
}

/** The n-th host address (1-based) of a prefix. */
export function nthHost(c: Cidr, n: number): string {
  return fromInt(toInt(c.network) + n);
}

export function isNetworkOrBroadcast(c: Cidr, address: string): boolean {
  if (c.prefixLength >= 31) return false;
  const n = toInt(address);
  const net = toInt(c.network);
  return n === net || n === net + 2 ** (32 - c.prefixLength) - 1;
}
