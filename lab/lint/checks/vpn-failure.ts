// ZeroTier keeps its interface UP when the internet path dies, so only the BGP hold timer or BFD
// notices. This computes, for the router <-> router session, how long a silent failure blackholes
// cross-site traffic and how long the session stays down after the link heals.
import type { BfdOptions, BirdConfig } from "../bird-conf.ts";
import type { LintContext } from "../context.ts";
import { estimateDetection, sessionEnd } from "../failure-detection.ts";
import { type Finding, finding } from "../finding.ts";
import { type BirdSession, birdSessions, protocolsTo } from "../sessions.ts";

/** The BFD options a session would run with, or null when it runs no BFD. */
function sessionBfd(s: BirdSession): BfdOptions | null {
  if (!s.bgp.bfd?.value.enabled || !hasBfdProtocol(s.conf)) return null;
  // The bfd protocol's first interface block gives the base, the session's own `bfd { }` overrides.
  const base = s.conf.protocols.find((p) => p.type === "bfd")?.bfdInterfaces?.[0]?.options ?? {};
  return { ...base, ...s.bgp.bfd.value.options };
}

function hasBfdProtocol(conf: BirdConfig): boolean {
  return conf.protocols.some((p) => p.type === "bfd");
}

/** Router <-> router sessions configured on both ends, each pair once (topology order). */
function vpnPairs(ctx: LintContext): [BirdSession, BirdSession][] {
  const sessions = birdSessions(ctx);
  const routers = ctx.lab.routers;
  const out: [BirdSession, BirdSession][] = [];
  for (const a of sessions) {
    if (a.far.kind !== "router") continue;
    const far = a.far.router;
    if (routers.indexOf(far) < routers.indexOf(a.router)) continue;
    const b = protocolsTo(sessions, far, a.router.zerotierAddress)[0];
    if (b) out.push([a, b]);
  }
  return out;
}

const secs = (x: number) => (Number.isInteger(x) ? `${x}` : x.toFixed(x < 10 ? 2 : 1));

export function vpnFailureDetection(ctx: LintContext): Finding[] {
  const out: Finding[] = [];
  for (const [a, b] of vpnPairs(ctx)) {
    const ea = sessionEnd(a.bgp, sessionBfd(a));
    const eb = sessionEnd(b.bgp, sessionBfd(b));
    const est = estimateDetection(ea, eb);
    if (est.blackholeSeconds <= ctx.blackholeThresholdSeconds) continue;
    const d = est.detection;
    const how =
      d.by === "bfd"
        ? "by BFD"
        : d.by === "nothing"
          ? "never (hold time 0 disables the hold timer)"
          : `by the hold timer (negotiated hold ${est.negotiatedHold} s = min of ${ea.holdTime} and ${eb.holdTime}; keepalive ${est.keepalive[0]}/${est.keepalive[1]} s)`;
    const detect =
      d.by === "nothing" ? "is never detected" : `is detected after ${secs(d.earliest)}-${secs(d.worst)} s`;
    const total = Number.isFinite(est.blackholeSeconds)
      ? `up to ${secs(est.blackholeSeconds)} s (${(est.blackholeSeconds / 60).toFixed(1)} min)`
      : "an unbounded time";
    out.push(
      finding("vpn-failure-detection", "warn", a.protocol.at, {
        message: `VPN session ${a.router.name} <-> ${b.router.name}: a silent ZeroTier failure ${detect} ${how}; after the link heals the session returns in ${secs(est.recovery.earliest)}-${secs(est.recovery.worst)} s (error wait ${Math.max(ea.errorWaitTime[0], eb.errorWaitTime[0])} s): ${total} of lost cross-site traffic, over the ${ctx.blackholeThresholdSeconds} s threshold`,
        consequence: `the ZeroTier interface stays UP, so both routers keep sending pod traffic into the dead link until the session drops, then wait out the error wait (after a longer outage up to the ${est.connectRetry} s connect retry)`,
        fix: 'on both routers\' sessions: `hold time 9; keepalive time 3; error wait time 1,5;` (about 10 s), or BFD: `protocol bfd { interface "zt*" { interval 100 ms; multiplier 3; }; }` and `bfd on;`',
      }),
    );
  }
  return out;
}

export function bfdWithoutProtocol(ctx: LintContext): Finding[] {
  return birdSessions(ctx).flatMap((s) =>
    s.bgp.bfd?.value.enabled && !hasBfdProtocol(s.conf)
      ? [
          finding("bfd-without-protocol", "warn", s.bgp.bfd.at, {
            message: `${s.router.name}'s protocol ${s.protocol.name} asks for BFD, but the config has no \`protocol bfd\``,
            consequence: "no BFD session is ever created: failures are detected by the hold timer only",
            fix: 'add `protocol bfd { interface "zt*" { interval 100 ms; multiplier 3; }; }`',
          }),
        ]
      : [],
  );
}

export function bfdOneSided(ctx: LintContext): Finding[] {
  const out: Finding[] = [];
  for (const [a, b] of vpnPairs(ctx)) {
    const [on, off] =
      sessionBfd(a) && !sessionBfd(b) ? [a, b] : sessionBfd(b) && !sessionBfd(a) ? [b, a] : [];
    if (!on || !off || !on.bgp.bfd) continue;
    out.push(
      finding("bfd-one-sided", "warn", on.bgp.bfd.at, {
        message: `BFD is on for ${on.router.name}'s side of the VPN session but not for ${off.router.name}'s (protocol ${off.protocol.name})`,
        consequence:
          "the BFD session never comes up, and BIRD only acts on an Up -> Down change: failures are detected by the hold timer only",
        fix: `enable BFD on ${off.router.name} too: \`bfd on;\` in ${off.protocol.name} and a \`protocol bfd\``,
      }),
    );
  }
  return out;
}
