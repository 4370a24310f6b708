#!/usr/bin/env bash
# Installs what the lab needs on a fresh machine: Debian packages (as root on Debian/Ubuntu,
# with apt-get) and the npm packages (npm ci). Without root, or elsewhere, it stops and prints
# the exact command to run. Usage: ensure-deps.sh [runtime|test|bench]
set -euo pipefail
set_name=${1:-runtime}

runtime_pkgs=(bird2 gobgpd iproute2 iputils-ping ethtool fping)
# The Docker layer's tests run a private engine and build the router image offline.
test_pkgs=(docker.io debootstrap)
# `make bench` measures one TCP stream between pods across the sites.
bench_pkgs=(iperf3)

pkgs=("${runtime_pkgs[@]}")
[ "$set_name" = test ] && pkgs+=("${test_pkgs[@]}")
[ "$set_name" = bench ] && pkgs+=("${bench_pkgs[@]}")

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

# GoBGP of Cilium's series (>= 3.35, docs/facts.md): Debian 12's gobgpd is 3.10, which dials its
# peers 5-10 s late. Debian 13 (trixie) ships 3.36 (needs only libc6 >= 2.34), so fetch it from the
# Debian mirror this machine already uses, with a private apt state (the machine's package lists and
# installed packages stay untouched), and unpack it into .lab/tools/gobgp. The lab runs that one when
# present, else the system's gobgpd (and says what that costs).
gobgp_dir=.lab/tools/gobgp
gobgp_wanted() { # true when the lab-local gobgpd is missing or older than 3.35
  local v
  v=$("$gobgp_dir/usr/bin/gobgpd" --version 2>/dev/null | awk '{print $3}') || return 0
  [ -z "$v" ] || [ "$(printf '%s\n3.35.0\n' "$v" | sort -V | head -1)" != 3.35.0 ]
}
debian_mirror() { # the first Debian archive URI of the machine's apt sources (not the security one)
  cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
    grep -v '^[[:space:]]*#' | grep -oE '(https?|file)://[^ ]*/debian/?( |$)' | grep -v security | head -1 | tr -d ' '
}
if gobgp_wanted; then
  mirror=$(debian_mirror || true)
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null || [ -z "$mirror" ]; then
    echo "note: no Debian mirror in /etc/apt/sources.list* (or not root): the lab will run the system's gobgpd" >&2
  else
    state=$(mktemp -d)
    mkdir -p "$state/lists/partial" "$state/cache/archives/partial" "$state/empty"
    echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${mirror%/} trixie main" >"$state/sources.list"
    apt_private=(-o "Dir::Etc::sourcelist=$state/sources.list" -o "Dir::Etc::sourceparts=$state/empty"
      -o "Dir::State::Lists=$state/lists" -o "Dir::Cache=$state/cache"
      -o "Dir::Etc::preferencesparts=$state/empty" -o "Dir::Etc::preferences=$state/none"
      -o APT::Sandbox::User=root)
    echo "fetching gobgpd from Debian trixie (${mirror%/}) into $gobgp_dir"
    if apt-get "${apt_private[@]}" update -qq >/dev/null &&
      (cd "$state" && apt-get "${apt_private[@]}" download -qq gobgpd >/dev/null); then
      rm -rf "$gobgp_dir" && mkdir -p "$gobgp_dir"
      dpkg-deb -x "$state"/gobgpd_*.deb "$gobgp_dir"
      "$gobgp_dir/usr/bin/gobgpd" --version
    else
      echo "note: could not fetch gobgpd from trixie: the lab will run the system's gobgpd" >&2
    fi
    rm -rf "$state"
  fi
fi

if ! command -v node >/dev/null || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  echo "Node.js 20 or newer is required (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

# npm ci only when the lock file changed since the last install. A node_modules that is a symlink
# is shared with other checkouts: npm ci would empty the shared copy, so it is left alone.
if [ -L node_modules ]; then
  [ -f node_modules/.lab-deps-stamp ] || echo "note: node_modules is a shared symlink; not running npm ci" >&2
elif [ ! -f node_modules/.lab-deps-stamp ] || [ package-lock.json -nt node_modules/.lab-deps-stamp ]; then
  echo "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  touch node_modules/.lab-deps-stamp
fi
