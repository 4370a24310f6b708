// Which gobgpd the netns runtime runs, and what its version implies. `make deps` unpacks Debian
// trixie's gobgpd (3.36, Cilium's series) into .lab/tools/gobgp; without it the system's gobgpd
// runs (Debian 12: 3.10), whose first dial is later (docs/facts.md, "GoBGP").
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "../..");
/** Where scripts/ensure-deps.sh unpacks the gobgpd package (dpkg-deb -x keeps its usr/bin). */
export const LOCAL_GOBGP_BIN = join(REPO, ".lab/tools/gobgp/usr/bin");
/** Since v3.35 GoBGP dials a peer 1-2 s after it becomes active (docs/facts.md, measured here). */
export const FAST_DIAL_VERSION = [3, 35] as const;
/** Cilium's go.mod pins github.com/osrg/gobgp/v3 v3.37.0. */
export const CILIUM_GOBGP = "3.37.0";

export interface GobgpTools {
  gobgpd: string;
  gobgp: string;
  /** `gobgpd --version`, e.g. "3.36.0"; null when it did not answer. */
  version: string | null;
  /** The lab-local copy from `make deps`, not the system's. */
  local: boolean;
}

export interface DialDelay {
  minS: number;
  maxS: number;
  why: string;
}

let cached: GobgpTools | undefined;

/** The gobgpd/gobgp pair the lab runs: the lab-local one when present, else the system's. */
export function gobgpTools(binDir = LOCAL_GOBGP_BIN): GobgpTools {
  if (binDir === LOCAL_GOBGP_BIN && cached) return cached;
  const local = existsSync(join(binDir, "gobgpd")) && existsSync(join(binDir, "gobgp"));
  const gobgpd = local ? join(binDir, "gobgpd") : "gobgpd";
  const tools = {
    gobgpd,
    gobgp: local ? join(binDir, "gobgp") : "gobgp",
    version: gobgpdVersion(gobgpd),
    local,
  };
  if (binDir === LOCAL_GOBGP_BIN) cached = tools;
  return tools;
}

export function gobgpdVersion(bin: string): string | null {
  try {
    const out = execFileSync(bin, ["--version"], { encoding: "utf8", timeout: 5000, stdio: "pipe" });
    return parseGobgpVersion(out);
  } catch {
    return null;
  }
}

/** "gobgpd version 3.36.0" -> "3.36.0". */
export function parseGobgpVersion(out: string): string | null {
  return /version\s+v?(\d+\.\d+(?:\.\d+)?)/.exec(out)?.[1] ?? null;
}

export function isFastDialer(version: string | null): boolean {
  if (!version) return false;
  const [major = 0, minor = 0] = version.split(".").map(Number);
  const [wantMajor, wantMinor] = FAST_DIAL_VERSION;
  return major > wantMajor || (major === wantMajor && minor >= wantMinor);
}

/** When the speaker first dials a peer after it starts (docs/facts.md, measured here). */
export function dialDelay(version: string | null): DialDelay {
  const v = version ?? "unknown";
  return isFastDialer(version)
    ? { minS: 1, maxS: 2, why: `gobgpd ${v} dials 1-2 s after start (GoBGP >= 3.35, Cilium's series)` }
    : { minS: 5, maxS: 10, why: `gobgpd ${v} dials 5-10 s after start (GoBGP < 3.35)` };
}

/** The one note when the lab runs a gobgpd older than Cilium's series, with what that costs. */
export function slowSpeakerNote(tools: GobgpTools): string | null {
  if (isFastDialer(tools.version)) return null;
  return (
    `the speakers run ${tools.local ? "" : "the system's "}gobgpd ${tools.version ?? "(version unknown)"}, ` +
    `not Cilium's series (${CILIUM_GOBGP}): it dials 5-10 s late, so convergence and every session-up ` +
    "after a speaker restart take about 5-8 s longer than with Cilium (run `make deps` as root to fetch gobgpd 3.36)"
  );
}
