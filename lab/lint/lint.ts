// Config lint: finds the design's mistakes in a loaded Lab and its raw files before anything
// runs. Each check is a small function with stable finding ids; the list below is the order
// they run in (output is sorted by place anyway).

import type { Lab } from "../topology/model.ts";
import {
  bgpIncomplete,
  bgpWithoutChannel,
  birdConfUnreadable,
  directAllInterfaces,
  ebgpWithoutPolicy,
  kernelExport,
  noDeviceProtocol,
  routerIdMismatch,
} from "./checks/bird-structure.ts";
import { familyWithoutAdvertisements, nodeAdvertisesNothing } from "./checks/cilium-advertise.ts";
import {
  bgpControlPlaneDisabled,
  helmValuesMissing,
  ipamModeNotKubernetes,
  nativeRoutingCidr,
  routingModeNotNative,
} from "./checks/cilium-helm.ts";
import {
  ciliumPeerOffLan,
  nodeConflictingClusterConfig,
  nodeWithoutClusterConfig,
  skippedPeers,
} from "./checks/cilium-selection.ts";
import { crossSiteCommunities } from "./checks/cross-site-communities.ts";
import { birdGracefulRestartOff, gracefulRestartOff } from "./checks/graceful-restart.ts";
import { md5PasswordMismatch } from "./checks/md5-password.ts";
import { mtuBelowPodMtu } from "./checks/mtu.ts";
import { nodeOverrideUnknown } from "./checks/node-override.ts";
import { nodeRedialDelay } from "./checks/redial.ts";
import {
  birdNodeSessionEnds,
  ciliumPeerSessionEnds,
  routerAsnMismatch,
  routerSessionEnds,
  unknownNeighbor,
} from "./checks/session-ends.ts";
import { sessionType } from "./checks/session-type.ts";
import { nodesShareAsn } from "./checks/shared-asn.ts";
import { bfdOneSided, bfdWithoutProtocol, vpnFailureDetection } from "./checks/vpn-failure.ts";
import { createContext, type LintContext, type LintOptions } from "./context.ts";
import { type Finding, sortFindings } from "./finding.ts";

export { hasErrors } from "../util/finding.ts";
export type { LintOptions } from "./context.ts";
export { DEFAULT_BLACKHOLE_THRESHOLD_SECONDS } from "./context.ts";
export type { Finding, Severity } from "./finding.ts";
export { findingsJson, formatFinding, formatFindings, summarizeFindings } from "./format.ts";

export type LintCheck = (ctx: LintContext) => Finding[];

export const LINT_CHECKS: readonly LintCheck[] = [
  // bird.conf structure
  birdConfUnreadable,
  noDeviceProtocol,
  kernelExport,
  bgpWithoutChannel,
  ebgpWithoutPolicy,
  bgpIncomplete,
  routerIdMismatch,
  directAllInterfaces,
  // both ends of every session
  unknownNeighbor,
  routerSessionEnds,
  birdNodeSessionEnds,
  ciliumPeerSessionEnds,
  routerAsnMismatch,
  md5PasswordMismatch,
  sessionType,
  nodesShareAsn,
  // failure detection on the VPN, recovery after a router restart
  vpnFailureDetection,
  nodeRedialDelay,
  bfdWithoutProtocol,
  bfdOneSided,
  // Cilium
  nodeWithoutClusterConfig,
  nodeConflictingClusterConfig,
  skippedPeers,
  ciliumPeerOffLan,
  familyWithoutAdvertisements,
  nodeAdvertisesNothing,
  crossSiteCommunities,
  nodeOverrideUnknown,
  helmValuesMissing,
  bgpControlPlaneDisabled,
  routingModeNotNative,
  nativeRoutingCidr,
  ipamModeNotKubernetes,
  gracefulRestartOff,
  birdGracefulRestartOff,
  // the pod path
  mtuBelowPodMtu,
];

export function lintLab(lab: Lab, opts: LintOptions = {}): Finding[] {
  const ctx = createContext(lab, opts);
  return sortFindings(LINT_CHECKS.flatMap((check) => check(ctx)));
}
