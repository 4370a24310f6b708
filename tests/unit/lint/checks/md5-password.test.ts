// md5-password-mismatch: a PeerConfig's TCP MD5 password (authSecretRef) and the router's
// protocol password must be the same, or the session never establishes.
import test from "ava";
import { md5PasswordMismatch } from "../../../../lab/lint/checks/md5-password.ts";
import { HOME, MINE, PEER_CONFIG, runCheck } from "../../../fixtures/lint/check.ts";

const SECRET = (password: string) => ({
  file: "k8s/cilium/bgp-auth.yaml",
  write: `apiVersion: v1\nkind: Secret\nmetadata:\n  name: bgp-auth\n  namespace: kube-system\nstringData:\n  password: ${password}\n`,
});
const REF = { file: PEER_CONFIG, from: "spec:\n", to: "spec:\n  authSecretRef: bgp-auth\n" };
const homePassword = (pw: string) => ({
  file: HOME,
  from: "neighbor 192.168.0.81 as 64514;",
  to: `neighbor 192.168.0.81 as 64514;\n  password "${pw}";`,
});
const minePasswords = (pw: string) => [
  {
    file: MINE,
    from: "neighbor 192.168.6.80 as 64514;",
    to: `neighbor 192.168.6.80 as 64514;\n  password "${pw}";`,
  },
  {
    file: MINE,
    from: "neighbor 192.168.6.81 as 64514;",
    to: `neighbor 192.168.6.81 as 64514;\n  password "${pw}";`,
  },
];

test("the seed: no password on either side, no finding", async (t) => {
  t.deepEqual((await runCheck(t, md5PasswordMismatch)).found, []);
});

test("the same password on both sides of every node session: no finding", async (t) => {
  const edits = [SECRET("s3cret"), REF, homePassword("s3cret"), ...minePasswords("s3cret")];
  t.deepEqual((await runCheck(t, md5PasswordMismatch, edits)).found, []);
});

test("a PeerConfig password with no router password: an error at authSecretRef per session", async (t) => {
  const { found, line } = await runCheck(t, md5PasswordMismatch, [
    SECRET("s3cret"),
    REF,
    homePassword("s3cret"),
  ]);
  const at = `${PEER_CONFIG}:${line(PEER_CONFIG, "authSecretRef: bgp-auth")}`;
  t.deepEqual(found, [
    `error md5-password-mismatch ${at}: PeerConfig l3-bgp-peer-config signs node sakamoto's session with the password of Secret kube-system/bgp-auth, but router-mine's protocol sakamoto has no password`,
    `error md5-password-mismatch ${at}: PeerConfig l3-bgp-peer-config signs node nano's session with the password of Secret kube-system/bgp-auth, but router-mine's protocol nano has no password`,
  ]);
});

test("a router password with no authSecretRef: an error at the password", async (t) => {
  const { found, line } = await runCheck(t, md5PasswordMismatch, [homePassword("s3cret")]);
  t.deepEqual(found, [
    `error md5-password-mismatch ${HOME}:${line(HOME, 'password "s3cret"')}: router-home's protocol yuuko_k8s sets a password, but node yuuko-k8s's speaker signs nothing (PeerConfig l3-bgp-peer-config has no authSecretRef)`,
  ]);
});

test("different passwords: an error at the router's password, which is never printed", async (t) => {
  const edits = [SECRET("s3cret"), REF, homePassword("other"), ...minePasswords("s3cret")];
  const { found, line } = await runCheck(t, md5PasswordMismatch, edits);
  t.deepEqual(found, [
    `error md5-password-mismatch ${HOME}:${line(HOME, 'password "other"')}: router-home's protocol yuuko_k8s's password differs from the password of Secret kube-system/bgp-auth that node yuuko-k8s's speaker signs with (PeerConfig l3-bgp-peer-config)`,
  ]);
  t.false(found.some((f) => f.includes("s3cret") || f.includes('other"')));
});
