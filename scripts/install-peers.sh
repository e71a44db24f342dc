#!/usr/bin/env bash
# Installs the Debian packages the lab tests talk to (docs/articles/design.md §3), and what bench/run.sh needs (a C
# compiler for bench/tcpbench.c, fontconfig and a font for the plot), when any is missing.
# Idempotent and quiet on success; on failure prints apt's output and exits non-zero.
set -euo pipefail

packages=(
  iputils-ping iputils-arping traceroute dnsmasq-base tcpdump tshark iperf3 socat netcat-openbsd
  python3-scapy hping3 wrk iproute2 ethtool nftables curl bind9-dnsutils radvd ndisc6
  gcc libc6-dev fontconfig fonts-dejavu-core
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${db:Status-Abbrev}' "$package" 2>/dev/null | grep -q '^ii'; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} > 0)); then
  if [[ $EUID -ne 0 ]]; then
    echo "install-peers.sh: missing ${missing[*]}; run as root to install them" >&2
    exit 1
  fi
  if ! command -v apt-get >/dev/null; then
    echo "install-peers.sh: missing ${missing[*]} and no apt-get to install them (Debian/Ubuntu only)" >&2
    exit 1
  fi
  # tshark and iperf3 ask debconf questions otherwise.
  export DEBIAN_FRONTEND=noninteractive
  log=$(mktemp)
  trap 'rm -f "$log"' EXIT
  # Wait for another apt run (up to 10 minutes) instead of failing on its lock.
  if ! { apt-get -q -o DPkg::Lock::Timeout=600 update \
         && apt-get -q -y -o DPkg::Lock::Timeout=600 install --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "install-peers.sh: could not install ${missing[*]}" >&2
    exit 1
  fi
fi

# Debian's python, not whatever python3 is first on PATH: that is the one with python3-scapy.
if ! /usr/bin/python3 -c 'import scapy' 2>/dev/null; then
  echo "install-peers.sh: /usr/bin/python3 cannot import scapy (package python3-scapy)" >&2
  exit 1
fi
