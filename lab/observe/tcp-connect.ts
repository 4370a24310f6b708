// One TCP connect from inside a network namespace, as a pod opening a connection would: bash's
// /dev/tcp under `timeout`, nothing sent. The address and port end up inside a bash script, so
// they are checked first: an IPv4 address and a port number are all that can reach it.
import { isIPv4 } from "node:net";
import { run, type Where } from "../util/exec.ts";

/** Refused above this: a connect that has not happened within a minute is not coming. */
export const MAX_TCP_CONNECT_TIMEOUT_MS = 60_000;

export interface TcpConnectResult {
  ok: boolean;
  /** Time to connect, measured inside the namespace (bash's EPOCHREALTIME); null on failure. */
  ms: number | null;
  /** Why it failed: "timed out after N ms", or bash's reason such as "Connection refused". */
  error?: string;
}

/**
 * Connects from `where` (a namespace name, or a prefix such as nsenter that enters one) to
 * address:port within timeoutMs. Throws RangeError for an address that is not IPv4, a port
 * outside 1-65535 or a timeout outside (0, 60 s], before anything runs.
 */
export async function tcpConnect(
  where: Where,
  address: string,
  port: number,
  timeoutMs: number,
): Promise<TcpConnectResult> {
  if (!isIPv4(address)) throw new RangeError(`tcpConnect: ${JSON.stringify(address)} is not an IPv4 address`);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new RangeError(`tcpConnect: bad port ${port} (1-65535)`);
  if (!(timeoutMs > 0 && timeoutMs <= MAX_TCP_CONNECT_TIMEOUT_MS))
    throw new RangeError(`tcpConnect: timeout ${timeoutMs} ms outside (0, ${MAX_TCP_CONNECT_TIMEOUT_MS}]`);
  const script = `s=$EPOCHREALTIME; exec 3<>/dev/tcp/${address}/${port} || exit 1; e=$EPOCHREALTIME; exec 3>&-; echo "$s $e"`;
  const r = await run(["timeout", (timeoutMs / 1000).toFixed(3), "bash", "-c", script], {
    netns: where,
    allowFailure: true,
    // `timeout` ends the connect; this only guards against a prefix (nsenter) that hangs.
    timeoutMs: timeoutMs + 3000,
  });
  const m = /^(\d+)[.,](\d+) (\d+)[.,](\d+)$/.exec(r.stdout.trim());
  if (r.code === 0 && m) {
    const toMs = (sec?: string, frac?: string) => Number(sec) * 1000 + Number(`0.${frac}`) * 1000;
    return { ok: true, ms: toMs(m[3], m[4]) - toMs(m[1], m[2]) };
  }
  // 124 is timeout(1)'s "the command timed out".
  const why =
    r.code === 124
      ? `timed out after ${timeoutMs} ms`
      : (r.stderr.trim().split("\n").slice(-1)[0] ?? "").replace(/^bash: line \d+: /, "") || `exit ${r.code}`;
  return { ok: false, ms: null, error: why };
}
