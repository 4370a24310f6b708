// TCP MD5 (RFC 2385) on the node sessions: the speaker signs with the password of its
// PeerConfig's authSecretRef, the router with its protocol's `password`. Unless both sides have
// the same password, the router's kernel drops every segment of the session without a word
// (BIRD shows no error), so the session never establishes and the node's pod CIDR is never
// advertised. Passwords are secrets: findings never print them.
import type { LintContext } from "../context.ts";
import { type Finding, finding } from "../finding.ts";
import { birdSessions, ciliumPeers, peerConfigField, protocolsTo } from "../sessions.ts";

const CONSEQUENCE =
  "the router's kernel silently drops every segment of the session (TCP MD5): it never establishes and the node's pod CIDR is never advertised, so its pods are unreachable from the other site";

export function md5PasswordMismatch(ctx: LintContext): Finding[] {
  const sessions = birdSessions(ctx);
  const out: Finding[] = [];
  for (const cp of ciliumPeers(ctx)) {
    if (!cp.router) continue;
    const auth = cp.peer.auth;
    const pc = cp.peer.peerConfig;
    for (const s of protocolsTo(sessions, cp.router, cp.node.address)) {
      const pw = s.bgp.password;
      const proto = `${s.router.name}'s protocol ${s.protocol.name}`;
      if (auth && !pw)
        out.push(
          finding("md5-password-mismatch", "error", peerConfigField(ctx, cp, "spec.authSecretRef"), {
            message: `PeerConfig ${pc} signs node ${cp.node.name}'s session with the password of Secret ${auth.secret}, but ${proto} has no password`,
            consequence: CONSEQUENCE,
            fix: `add \`password "<the Secret's password>";\` to protocol ${s.protocol.name} in ${s.router.name}'s bird.conf, or remove authSecretRef`,
          }),
        );
      else if (pw && !auth)
        out.push(
          finding("md5-password-mismatch", "error", pw.at, {
            message: `${proto} sets a password, but node ${cp.node.name}'s speaker signs nothing (${pc ? `PeerConfig ${pc} has no authSecretRef` : "its peer has no PeerConfig"})`,
            consequence: CONSEQUENCE,
            fix: `give the node's PeerConfig an authSecretRef naming a Secret in namespace ${ctx.lab.secretsNamespace} whose key password is this password, or remove the password`,
          }),
        );
      else if (pw && auth && pw.value !== auth.password)
        out.push(
          finding("md5-password-mismatch", "error", pw.at, {
            message: `${proto}'s password differs from the password of Secret ${auth.secret} that node ${cp.node.name}'s speaker signs with (PeerConfig ${pc})`,
            consequence: CONSEQUENCE,
            fix: `make the two passwords the same (the Secret's key password, or the protocol's password)`,
          }),
        );
    }
  }
  return out;
}
