// Host tools run inside an element's network namespace, on any runtime (the handle says how to
// enter it): the kernel FIB, a bounded ping, an HTTP GET over plain TCP. Pure readers.
import type { FibRoute } from "../runtime/kind.ts";
import { run, type Where } from "../util/exec.ts";

export type { FibRoute };

/** `ip -j -4 route show` as routes; "default" becomes 0.0.0.0/0, host routes get /32. */
export function parseIpRouteJson(text: string): FibRoute[] {
  const raw = JSON.parse(text.trim() || "[]") as {
    dst: string;
    gateway?: string;
    dev?: string;
    protocol?: string;
  }[];
  return raw.map((x) => ({
    dst: x.dst === "default" ? "0.0.0.0/0" : x.dst.includes("/") ? x.dst : `${x.dst}/32`,
    ...(x.gateway ? { gateway: x.gateway } : {}),
    ...(x.dev ? { dev: x.dev } : {}),
    ...(x.protocol ? { protocol: x.protocol } : {}),
  }));
}

export async function fibRoutes(ns: Where): Promise<FibRoute[]> {
  return parseIpRouteJson(
    (await run(["ip", "-j", "-4", "route", "show"], { netns: ns, timeoutMs: 3000 })).stdout,
  );
}

export interface PingResult {
  sent: number;
  received: number;
  lossPct: number;
  rttAvgMs: number | null;
  output: string;
}

/** A bounded ping: `count` packets `intervalS` apart, each waiting at most 1 s. */
export async function ping(
  ns: Where,
  target: string,
  opts: { count?: number; intervalS?: number; size?: number; dontFragment?: boolean } = {},
): Promise<PingResult> {
  const count = opts.count ?? 3;
  const argv = ["ping", "-n", "-q", "-c", String(count), "-i", String(opts.intervalS ?? 0.2), "-W", "1"];
  if (opts.size !== undefined) argv.push("-s", String(opts.size));
  if (opts.dontFragment) argv.push("-M", "do");
  argv.push(target);
  const r = await run(argv, {
    netns: ns,
    allowFailure: true,
    timeoutMs: (count * (opts.intervalS ?? 0.2) + 3) * 1000,
  });
  const m = /(\d+) packets transmitted, (\d+) received/.exec(r.stdout);
  const rtt = /= [\d.]+\/([\d.]+)\//.exec(r.stdout);
  const sent = Number(m?.[1] ?? count);
  const received = Number(m?.[2] ?? 0);
  return {
    sent,
    received,
    lossPct: sent ? (100 * (sent - received)) / sent : 100,
    rttAvgMs: rtt ? Number(rtt[1]) : null,
    output: `${r.stdout}${r.stderr}`.trim(),
  };
}

/** An HTTP GET over a plain TCP connection from inside a namespace; the body, or null. */
export async function httpGet(
  ns: Where,
  address: string,
  port: number,
  path: string,
  timeoutS = 2,
): Promise<{ ok: boolean; body: string; error?: string }> {
  // bash's /dev/tcp keeps the probe dependency-free; the address and port are validated values.
  const script = `exec 3<>/dev/tcp/${address}/${port} && printf 'GET ${path} HTTP/1.0\\r\\nHost: ${address}\\r\\n\\r\\n' >&3 && cat <&3`;
  const r = await run(["timeout", String(timeoutS), "bash", "-c", script], {
    netns: ns,
    allowFailure: true,
    timeoutMs: (timeoutS + 2) * 1000,
  });
  const ok = r.code === 0 && /^HTTP\/1\.[01] 200/.test(r.stdout);
  const body = r.stdout
    .split(/\r?\n\r?\n/)
    .slice(1)
    .join("\n\n");
  return ok
    ? { ok, body }
    : { ok, body, error: (r.stderr.trim() || r.stdout.trim() || `exit ${r.code}`).split("\n").slice(-1)[0] };
}
