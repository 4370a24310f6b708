// cross-site-community: NO_EXPORT / NO_ADVERTISE on a pod CIDR keep it on its own site, since
// BIRD honours RFC 1997 towards the other site's router (an eBGP peer in the seed).
import test from "ava";
import { crossSiteCommunities } from "../../../../lab/lint/checks/cross-site-communities.ts";
import { ADVERTISEMENT, runCheck } from "../../../fixtures/lint/check.ts";
import { lintCopy } from "../../../fixtures/lint/lab-copy.ts";

const attributes = (communities: string) => ({
  file: ADVERTISEMENT,
  from: "advertisementType: PodCIDR\n",
  to: `advertisementType: PodCIDR\n      attributes:\n        communities:\n${communities}`,
});

test("the seed (no attributes) and harmless communities: no finding", async (t) => {
  t.deepEqual((await runCheck(t, crossSiteCommunities)).found, []);
  const harmless = attributes('          standard: ["64514:100"]\n          wellKnown: [internet]\n');
  t.deepEqual((await runCheck(t, crossSiteCommunities, [harmless])).found, []);
});

test("wellKnown no-export: a warning at the name, every node of both sites cut off from the other", async (t) => {
  const { found, line } = await runCheck(t, crossSiteCommunities, [
    attributes("          wellKnown: [no-export]\n"),
  ]);
  t.deepEqual(found, [
    `warn cross-site-community ${ADVERTISEMENT}:${line(ADVERTISEMENT, "wellKnown: [no-export]")}: CiliumBGPAdvertisement pod-cidr tags the pod CIDR of nodes yuuko-k8s, sakamoto, nano with no-export (NO_EXPORT)`,
  ]);
});

test("no-advertise written as its standard value is recognised too, and the consequence names the routers", async (t) => {
  const edit = attributes('          standard: ["65535:65282"]\n');
  const copy = await runCheck(t, crossSiteCommunities, [edit]);
  t.is(copy.found.length, 1);
  t.regex(copy.found[0] ?? "", /with 65535:65282 \(NO_ADVERTISE\)$/);
});

test("the whole lint: the warning says which routers never learn the prefixes and that cross-site pod traffic is lost", async (t) => {
  const { copy, findings } = await lintCopy([attributes("          wellKnown: [no-export]\n")]);
  t.teardown(() => copy.dispose());
  const f = findings.find((x) => x.id === "cross-site-community");
  t.is(f?.severity, "warn");
  t.is(
    f?.consequence,
    "each site router keeps the prefix to itself (BIRD honours RFC 1997 NO_EXPORT towards eBGP peers): router-mine, router-home never learn it, so cross-site pod traffic to yuuko-k8s, sakamoto, nano is lost",
  );
  t.regex(f?.fix ?? "", /remove no-export/);
});
