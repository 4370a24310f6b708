// service-advertisement-selects-nothing: a Service advertisement Cilium gives no route for.
import test from "ava";
import { serviceAdvertisementSelectsNothing } from "../../../../lab/lint/checks/service-advertise.ts";
import { ADVERTISEMENT, runCheck, TOPO } from "../../../fixtures/lint/check.ts";

const services = (text: string) => ({ file: TOPO, from: "nodes:\n", to: `services:\n${text}nodes:\n` });
const WEB = services(
  "  - name: web\n    labels: { app: web }\n    loadBalancerIPs: [10.99.0.10]\n    backends: [nano-pod1]\n",
);
const advertise = (entry: string) => ({
  file: ADVERTISEMENT,
  from: "    - advertisementType: PodCIDR\n",
  to: `    - advertisementType: PodCIDR\n${entry}`,
});
const BY_LABEL = (app: string) =>
  advertise(
    `    - advertisementType: Service\n      service:\n        addresses: [LoadBalancerIP]\n      selector:\n        matchLabels: { app: ${app} }\n`,
  );

test("the seed, and a selector matching a declared Service: no finding", async (t) => {
  t.deepEqual((await runCheck(t, serviceAdvertisementSelectsNothing)).found, []);
  t.deepEqual((await runCheck(t, serviceAdvertisementSelectsNothing, [WEB, BY_LABEL("web")])).found, []);
});

test("a selector matching no Service: a warning at the selector", async (t) => {
  const { found, line } = await runCheck(t, serviceAdvertisementSelectsNothing, [WEB, BY_LABEL("wbe")]);
  t.deepEqual(found, [
    `warn service-advertisement-selects-nothing ${ADVERTISEMENT}:${line(ADVERTISEMENT, "matchLabels: { app: wbe }")}: CiliumBGPAdvertisement pod-cidr: the selector at spec.advertisements[1].selector matches none of the topology's Services`,
  ]);
});

test("no selector: a warning at the entry, since Cilium then matches no Service", async (t) => {
  const { found, line } = await runCheck(t, serviceAdvertisementSelectsNothing, [
    WEB,
    advertise("    - advertisementType: Service\n      service:\n        addresses: [LoadBalancerIP]\n"),
  ]);
  t.deepEqual(found, [
    `warn service-advertisement-selects-nothing ${ADVERTISEMENT}:${line(ADVERTISEMENT, "- advertisementType: Service")}: CiliumBGPAdvertisement pod-cidr: the Service advertisement at spec.advertisements[1] has no \`selector\``,
  ]);
});
