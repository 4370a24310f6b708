// The Cilium Helm values checks: native routing, its CIDR, the BGP control plane, IPAM mode.
import test from "ava";
import {
  bgpControlPlaneDisabled,
  helmValuesMissing,
  ipamModeNotKubernetes,
  nativeRoutingCidr,
  routingModeNotNative,
} from "../../../../lab/lint/checks/cilium-helm.ts";
import { runCheck, TOPO, VALUES } from "../../../fixtures/lint/check.ts";

const CHECKS = [
  helmValuesMissing,
  bgpControlPlaneDisabled,
  routingModeNotNative,
  nativeRoutingCidr,
  ipamModeNotKubernetes,
];

test("the seed's values.yaml passes every Helm check", async (t) => {
  for (const check of CHECKS) t.deepEqual((await runCheck(t, check)).found, [], check.name);
});

test("helm-values-missing: no values.yaml is a warning at cluster.cilium; the value checks are silent", async (t) => {
  const edits = [{ file: VALUES, remove: true as const }];
  const { found, line } = await runCheck(t, helmValuesMissing, edits);
  t.is(found.length, 1);
  t.regex(
    found[0] ?? "",
    new RegExp(
      `^warn helm-values-missing ${TOPO}:${line(TOPO, "cilium: k8s/cilium")}: no values\\.yaml in the Cilium folder .*k8s/cilium`,
    ),
  );
  for (const check of CHECKS.slice(1)) t.deepEqual((await runCheck(t, check, edits)).found, [], check.name);
});

test("bgp-control-plane-disabled: enabled false is an error at the key", async (t) => {
  const { found, line } = await runCheck(t, bgpControlPlaneDisabled, [
    { file: VALUES, from: "bgpControlPlane:\n  enabled: true", to: "bgpControlPlane:\n  enabled: false" },
  ]);
  t.deepEqual(found, [
    `error bgp-control-plane-disabled ${VALUES}:${line(VALUES, "enabled: false")}: bgpControlPlane.enabled is not true in the Helm values`,
  ]);
});

test("routing-mode-not-native: tunnel is a warning at routingMode", async (t) => {
  const { found, line } = await runCheck(t, routingModeNotNative, [
    { file: VALUES, from: "routingMode: native", to: "routingMode: tunnel" },
  ]);
  t.deepEqual(found, [
    `warn routing-mode-not-native ${VALUES}:${line(VALUES, "routingMode: tunnel")}: Cilium routingMode is tunnel, the design needs native`,
  ]);
});

test("native routing CIDR: missing, not a prefix, or not covering every pod CIDR is an error", async (t) => {
  const missing = await runCheck(t, nativeRoutingCidr, [
    { file: VALUES, from: "ipv4NativeRoutingCIDR: 10.42.0.0/16\n", to: "" },
  ]);
  t.is(missing.found.length, 1);
  t.regex(
    missing.found[0] ?? "",
    /^error native-routing-cidr-missing k8s\/cilium\/values\.yaml:\d+: routingMode is native but ipv4NativeRoutingCIDR is not set$/,
  );
  const notPrefix = await runCheck(t, nativeRoutingCidr, [
    { file: VALUES, from: "ipv4NativeRoutingCIDR: 10.42.0.0/16", to: "ipv4NativeRoutingCIDR: pods" },
  ]);
  t.deepEqual(notPrefix.found, [
    `error native-routing-cidr-missing ${VALUES}:${notPrefix.line(VALUES, "ipv4NativeRoutingCIDR")}: ipv4NativeRoutingCIDR "pods" is not an IPv4 prefix`,
  ]);
  const narrow = await runCheck(t, nativeRoutingCidr, [
    { file: VALUES, from: "ipv4NativeRoutingCIDR: 10.42.0.0/16", to: "ipv4NativeRoutingCIDR: 10.42.0.0/23" },
  ]);
  t.deepEqual(narrow.found, [
    `error pod-cidr-outside-native-routing ${VALUES}:${narrow.line(VALUES, "ipv4NativeRoutingCIDR")}: ipv4NativeRoutingCIDR 10.42.0.0/23 does not cover the pod CIDRs of yuuko-k8s (10.42.3.0/24)`,
  ]);
});

test("ipam-mode-not-kubernetes: cluster-pool is a warning at ipam.mode", async (t) => {
  const { found, line } = await runCheck(t, ipamModeNotKubernetes, [
    { file: VALUES, from: "mode: kubernetes", to: "mode: cluster-pool" },
  ]);
  t.deepEqual(found, [
    `warn ipam-mode-not-kubernetes ${VALUES}:${line(VALUES, "mode: cluster-pool")}: ipam.mode is cluster-pool, not kubernetes`,
  ]);
});
