#!/usr/bin/env bash
# Installs what the lab needs on a fresh machine: Debian packages (as root on Debian/Ubuntu,
# with apt-get) and the npm packages (npm ci). Without root, or elsewhere, it stops and prints
# the exact command to run. Usage: ensure-deps.sh [runtime|test]
set -euo pipefail
set_name=${1:-runtime}

runtime_pkgs=(bird2 gobgpd iproute2 iputils-ping ethtool fping)
# The Docker layer's tests run a private engine and build the router image offline.
test_pkgs=(docker.io debootstrap)

pkgs=("${runtime_pkgs[@]}")
[ "$set_name" = test ] && pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  # Any Docker engine will do (GitHub's runners ship docker-ce, which conflicts with docker.io).
  [ "$p" = docker.io ] && command -v dockerd >/dev/null && continue
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    echo "missing packages: ${missing[*]}" >&2
    echo "install them with: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "installing Debian packages: ${missing[*]}"
  # Packaged daemons (bird, docker) must not start on the host: the lab runs its own copies
  # inside namespaces, and a host dockerd would rewrite the host's iptables.
  guard=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    guard=/usr/sbin/policy-rc.d
  fi
  trap '[ -n "$guard" ] && rm -f "$guard"' EXIT
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v node >/dev/null || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  echo "Node.js 20 or newer is required (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

# npm ci only when the lock file changed since the last install.
if [ ! -f node_modules/.lab-deps-stamp ] || [ package-lock.json -nt node_modules/.lab-deps-stamp ]; then
  echo "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  touch node_modules/.lab-deps-stamp
fi
