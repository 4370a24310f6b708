// Why a BGP session with a TCP MD5 password (RFC 2385) stays down. BIRD logs nothing and has no
// last error for it: the kernel drops a segment whose MD5 option is missing, unexpected or wrong
// before any socket sees it (net/ipv4/tcp.c tcp_inbound_md5_hash; since Linux 6.7 only a
// tracepoint, no log line). What it leaves is a counter per network namespace, TcpExt in
// /proc/net/netstat, which is read here from inside the router.
import type { LabHandle } from "../runtime/kind.ts";
import type { K8sNode } from "../topology/model.ts";
import { run } from "../util/exec.ts";

/** Segments the namespace's kernel dropped for their MD5 option, since it was created. */
export interface Md5Drops {
  /** No MD5 option from a peer a password is set for (TcpExtTCPMD5NotFound). */
  notFound: number;
  /** An MD5 option from a peer no password is set for (TcpExtTCPMD5Unexpected). */
  unexpected: number;
  /** An MD5 option that does not match the password (TcpExtTCPMD5Failure). */
  failure: number;
}

/** The MD5 counters of /proc/net/netstat (header line and value line per group). */
export function parseMd5Drops(netstat: string): Md5Drops {
  const lines = netstat.split("\n").filter((l) => l.startsWith("TcpExt:"));
  const names = (lines[0] ?? "").split(/\s+/).slice(1);
  const values = (lines[1] ?? "").split(/\s+/).slice(1).map(Number);
  const get = (name: string) => {
    const i = names.indexOf(name);
    return i >= 0 ? (values[i] ?? 0) : 0;
  };
  return {
    notFound: get("TCPMD5NotFound"),
    unexpected: get("TCPMD5Unexpected"),
    failure: get("TCPMD5Failure"),
  };
}

export async function readMd5Drops(h: LabHandle, router: string): Promise<Md5Drops> {
  const r = await run(["cat", "/proc/net/netstat"], { netns: await h.enter(router), timeoutMs: 3000 });
  return parseMd5Drops(r.stdout);
}

/**
 * The likely cause of a node session a router cannot establish, when its kernel dropped MD5
 * segments; null when it dropped none (then MD5 is not why). `node` says what the speaker
 * signs with (its PeerConfig's authSecretRef).
 */
export function md5Cause(router: string, drops: Md5Drops, node: K8sNode | undefined): string | null {
  const seen = [
    drops.notFound
      ? `${drops.notFound} without the MD5 signature its password requires (TcpExtTCPMD5NotFound)`
      : "",
    drops.unexpected
      ? `${drops.unexpected} signed although it has no password for the sender (TcpExtTCPMD5Unexpected)`
      : "",
    drops.failure
      ? `${drops.failure} whose MD5 signature does not match its password (TcpExtTCPMD5Failure)`
      : "",
  ].filter(Boolean);
  if (!seen.length) return null;
  const auth = node?.bgp?.instances.flatMap((i) => i.peers).find((p) => p.auth)?.auth;
  const speaker = node
    ? auth
      ? `${node.name}'s speaker signs with the password of Secret ${auth.secret}`
      : `${node.name}'s speaker signs nothing (its CiliumBGPPeerConfig has no authSecretRef)`
    : "";
  return [
    `likely cause: TCP MD5 mismatch; ${router}'s kernel silently dropped segments: ${seen.join(", ")}`,
    speaker,
    "BIRD reports no error for it; make the protocol's password in bird.conf and the Secret's password the same (or remove both)",
  ]
    .filter(Boolean)
    .join("; ");
}
