#!/usr/bin/env bash
# Makes the captures the walkthrough articles show, from a real run of the stack against the kernel:
#   docs/articles/captures/ping.pcap  `usrnet up --pcap` while the kernel sends one `ping -c 1`
#   docs/articles/captures/tcp.pcap   `usrnet tcp-echo 7 --pcap` while the kernel's `nc -N` sends one
#                                    line, waits for the echo and half-closes
# Beside each, NAME.frames.txt and NAME.decode.txt are tshark's frame list and decode, which the
# articles include. Both are checked in, so
# the site builds without root; run this (as root: it makes a lab of network namespaces and a TAP) to
# make them anew:   sudo docs/capture.sh
# The lab gets a name of its own (usrnet-docs-PID) and is removed on exit, whatever happens.
set -Eeuo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=../scripts/lib/process.sh
source scripts/lib/process.sh

if [[ $EUID -ne 0 ]]; then
  echo "capture.sh: run as root (sudo docs/capture.sh): it creates network namespaces and a TAP device" >&2
  exit 1
fi

out=docs/articles/captures
ns=usrnet-docs-$$
stack_ip=10.0.0.102
tmp=$(mktemp -d)
stack_pid=
lab_created=

stop_stack() {
  stop_process "$stack_pid"
  stack_pid=
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM ERR
  stop_stack
  if [[ -n $lab_created ]]; then
    usrnet lab down --ns "$ns" >/dev/null || echo "capture.sh: could not remove the lab; run: usrnet lab down --ns $ns" >&2
  fi
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'echo "capture.sh: failed at line $LINENO: $BASH_COMMAND" >&2; [[ -s $tmp/stack.log ]] && sed "s/^/  | /" "$tmp/stack.log" >&2' ERR

# start_stack PATTERN ARGS...: `usrnet ARGS` in the background inside the lab, then waits (at most 60 s)
# for the readiness line matching PATTERN that the command prints once it accepts traffic.
start_stack() {
  local pattern=$1
  shift
  ip netns exec "$ns" usrnet "$@" >"$tmp/stack.log" 2>&1 &
  stack_pid=$!
  local deadline=$((SECONDS + 60))
  until grep -qs -- "$pattern" "$tmp/stack.log"; do
    if ! kill -0 "$stack_pid" 2>/dev/null || ((SECONDS >= deadline)); then
      echo "capture.sh: 'usrnet $*' did not print '$pattern':" >&2
      sed 's/^/  | /' "$tmp/stack.log" >&2
      return 1
    fi
    sleep 0.1
  done
}

# decode PCAP FILTER: tshark's frame list into PCAP's name with .frames.txt, and its full decode (-V) with
# the bytes (-x) of the frames FILTER selects into .decode.txt, for the article to include. The echo
# protocol's dissector is off, so port 7 shows as plain TCP.
decode() {
  local pcap=$1 filter=$2 base=${1%.pcap}
  {
    echo "\$ tshark -r $(basename "$pcap") --disable-protocol echo"
    tshark -r "$pcap" --disable-protocol echo 2>"$tmp/tshark.log" || { cat "$tmp/tshark.log" >&2; return 1; }
  } | sed -e 's/[[:space:]]*$//' >"$base.frames.txt"
  {
    echo "\$ tshark -r $(basename "$pcap") --disable-protocol echo -V -x -Y '$filter'"
    tshark -r "$pcap" --disable-protocol echo -V -x -Y "$filter" 2>"$tmp/tshark.log" || { cat "$tmp/tshark.log" >&2; return 1; }
  } | sed -e 's/[[:space:]]*$//' >"$base.decode.txt"
}

# expect PCAP FILTER FIELDS WANT WHAT: the articles name frames by number; fail (so the article is
# checked and updated) when a new capture has another shape than the one they describe.
expect() {
  local pcap=$1 filter=$2 fields=$3 want=$4 what=$5 got
  # shellcheck disable=SC2086
  got=$(tshark -r "$pcap" -Y "$filter" -T fields $fields 2>/dev/null | tr '\t\n' ' ;')
  if [[ $got != "$want" ]]; then
    echo "capture.sh: $(basename "$pcap"): expected $what ('$want'), got '$got'; update the article to match" >&2
    return 1
  fi
}

bash scripts/install-peers.sh
if ! dotnet build src/Usrnet.Cli -c Release --nologo >"$tmp/build.log" 2>&1; then
  cat "$tmp/build.log" >&2
  exit 1
fi
# `usrnet` on PATH, also inside `ip netns exec`; exec keeps one pid, so SIGTERM reaches the stack.
mkdir -p "$tmp/bin" "$out"
printf '#!/bin/sh\nexec %q %q "$@"\n' "$(command -v dotnet)" "$PWD/src/Usrnet.Cli/bin/Release/net10.0/Usrnet.Cli.dll" >"$tmp/bin/usrnet"
chmod +x "$tmp/bin/usrnet"
export PATH="$tmp/bin:$PATH"

usrnet lab up --ns "$ns" >/dev/null
lab_created=1

# One ping: the kernel resolves the stack's MAC with ARP, sends one echo request, the stack replies.
capture_ping() {
  start_stack ' up, ' up --pcap "$tmp/ping.pcap"
  ip netns exec "$ns" ping -c 1 -W 5 "$stack_ip" >/dev/null
  stop_stack
  expect "$tmp/ping.pcap" 'arp || icmp' '-e frame.number -e arp.opcode -e icmp.type' \
    '1 1 ;2 1 ;3 2 ;4  8;5  0;' 'an announcement, the kernel'"'"'s ARP request and our reply, echo request, echo reply'
}

# One TCP connection: handshake, one line of data that the stack acknowledges and echoes, then the
# client half-closes (nc -N at the end of its input) only after the echo came back, so the data segment
# is acknowledged on its own merits, not by the FIN's.
capture_tcp() {
  start_stack 'listening on ' tcp-echo 7 --pcap "$tmp/tcp.pcap"
  coproc client { ip netns exec "$ns" timeout 20 nc -N "$stack_ip" 7; }
  printf 'hello, usrnet\n' >&"${client[1]}"
  local reply=
  read -r -t 10 reply <&"${client[0]}" || true
  exec {client[1]}>&-
  wait "$client_PID" || true
  stop_stack
  if [[ $reply != 'hello, usrnet' ]]; then
    echo "capture.sh: the echo server answered '$reply'" >&2
    return 1
  fi
  expect "$tmp/tcp.pcap" 'tcp' '-e frame.number -e tcp.flags.str -e tcp.len -e tcp.ack' \
    '4 ··········S· 0 0;5 ·······A··S· 0 1;6 ·······A···· 0 1;7 ·······AP··· 14 1;8 ·······AP··· 14 15;9 ·······A···· 0 15;10 ·······A···F 0 15;11 ·······A···· 0 16;12 ·······A···F 0 16;13 ·······A···· 0 16;' \
    'handshake in frames 4-6, data in 7, its ACK on the echo in 8, then the close'
}

# capture NAME FILTER: runs capture_NAME until its capture has the shape the article describes (a
# machine busy enough to delay the echo past the 40 ms ACK delay sends a bare ACK first), at most 3
# times, then installs it with its decode.
capture() {
  local name=$1 filter=$2 attempt
  for attempt in 1 2 3; do
    if "capture_$name"; then
      cp "$tmp/$name.pcap" "$out/$name.pcap"
      decode "$out/$name.pcap" "$filter"
      return 0
    fi
    echo "capture.sh: $name capture $attempt of 3 did not have the article's shape" >&2
  done
  return 1
}

capture ping icmp
capture tcp 'tcp.len > 0'

echo "capture.sh: wrote $out/ping.pcap and $out/tcp.pcap with their .frames.txt and .decode.txt"
