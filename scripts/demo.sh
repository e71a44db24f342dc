#!/usr/bin/env bash
# The README's demo: the stack meets the kernel's own ping, arping, traceroute and UDP sockets in the
# lab of docs/articles/design.md §3, uses its own ping and traceroute to reach a host beyond the gateway, leases an
# address and resolves names from dnsmasq, and serves and fetches HTTP (Kestrel and HttpClient on the
# stack, curl and python's http.server on the kernel).
#
#   sudo scripts/demo.sh            (NS=name to use another namespace than "usrnet")
#
# Only one process can hold the tap, so each stack command runs on its own, one after the other.
# Whatever happens, the stack is stopped and the lab removed on exit.
# -E: the ERR trap also fires inside functions, so every failing step is reported.
set -Eeuo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=lib/process.sh
source scripts/lib/process.sh

ns=${NS:-usrnet}
far="$ns-far"
stack_ip=10.0.0.102
far_ip=10.0.1.2

if [[ $EUID -ne 0 ]]; then
  echo "demo.sh: run as root (sudo scripts/demo.sh): it creates network namespaces and a TAP device" >&2
  exit 1
fi

tmp=$(mktemp -d)
stack_pid=
stack_command=
lab_created=
peer_pids=()

# stop_stack: SIGTERM (usrnet treats it like Ctrl-C), SIGKILL if it is still there after 5 s; then
# shows what the stack printed (its counters).
stop_stack() {
  [[ -n $stack_pid ]] || return 0
  stop_process "$stack_pid"
  stack_pid=
  sed 's/^/  | /' "$tmp/stack.log"
}

# failed LINE COMMAND: the ERR trap. Says which step failed and shows the logs that explain it.
failed() {
  local status=$? line=$1 command=$2
  trap - ERR
  echo "demo.sh: failed (exit $status) at line $line: $command" >&2
  if [[ -n $stack_pid && -s $tmp/stack.log ]]; then
    echo "demo.sh: the stack ('usrnet $stack_command') printed:" >&2
    sed 's/^/  | /' "$tmp/stack.log" >&2
  fi
  if [[ -s $tmp/dnsmasq.log ]]; then
    echo "demo.sh: dnsmasq logged:" >&2
    tail -n 20 "$tmp/dnsmasq.log" | sed 's/^/  | /' >&2
  fi
  exit "$status"
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  stop_stack
  for pid in "${peer_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  if [[ -n $lab_created ]]; then
    usrnet lab down --ns "$ns" >/dev/null || echo "demo.sh: could not remove the lab; run: usrnet lab down --ns $ns" >&2
  fi
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'failed "$LINENO" "$BASH_COMMAND"' ERR

step() { printf '\n== %s\n' "$*"; }
# run CMD...: shows the command as one would type it, then runs it.
run() {
  printf '$ %s\n' "$*"
  "$@"
}
# inside NS CMD...: runs CMD inside namespace NS, shown as such.
inside() {
  local where=$1
  shift
  run ip netns exec "$where" "$@"
}

# wait_for WHAT SECONDS CHECK...: runs CHECK every 0.1 s until it succeeds; fails naming WHAT after SECONDS.
wait_for() {
  local what=$1 seconds=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    if ((SECONDS >= deadline)); then
      echo "demo.sh: $what not ready after $seconds s" >&2
      return 1
    fi
    sleep 0.1
  done
}

# stack_ready PATTERN: the stack is still running and has printed its readiness line.
stack_ready() {
  if ! kill -0 "$stack_pid" 2>/dev/null; then
    wait "$stack_pid" || true
    stack_pid=
    echo "demo.sh: 'usrnet $stack_command' exited early:" >&2
    sed 's/^/  | /' "$tmp/stack.log" >&2
    exit 1
  fi
  grep -q -- "$1" "$tmp/stack.log"
}

# listening NS PROTO PORT: something in namespace NS listens on PORT (tcp or udp).
listening() {
  local flag=-tlnH
  [[ $2 == udp ]] && flag=-ulnH
  [[ -n $(ip netns exec "$1" ss "$flag" "sport = :$3" 2>/dev/null) ]]
}

# start_stack PATTERN ARGS...: `usrnet ARGS` in the background inside NS, then waits for the line
# matching PATTERN that the command prints once it accepts traffic (never a fixed sleep: a busy machine
# takes longer to start .NET and Kestrel). Startup is bounded at 60 s.
start_stack() {
  local pattern=$1
  shift
  stack_command="$*"
  printf '$ ip netns exec %s usrnet %s &\n' "$ns" "$*"
  ip netns exec "$ns" usrnet "$@" >"$tmp/stack.log" 2>&1 &
  stack_pid=$!
  wait_for "'usrnet $*'" 60 stack_ready "$pattern"
}

# fails CMD...: runs CMD, shown as typed, and requires it to fail (the demo shows an error on purpose).
fails() {
  printf '$ %s   # fails on purpose\n' "$*"
  if "$@"; then
    echo "demo.sh: expected '$*' to fail" >&2
    return 1
  fi
}

step "build"
bash scripts/install-peers.sh
printf '$ dotnet build src/Usrnet.Cli -c Release\n'
if ! dotnet build src/Usrnet.Cli -c Release --nologo >"$tmp/build.log" 2>&1; then
  cat "$tmp/build.log" >&2
  exit 1
fi
# `usrnet` on PATH (also inside `ip netns exec`): exec keeps one pid, so signals reach the stack.
mkdir -p "$tmp/bin"
printf '#!/bin/sh\nexec %q %q "$@"\n' "$(command -v dotnet)" "$PWD/src/Usrnet.Cli/bin/Release/net10.0/Usrnet.Cli.dll" >"$tmp/bin/usrnet"
chmod +x "$tmp/bin/usrnet"
export PATH="$tmp/bin:$PATH"

step "the lab: $ns (tap0 10.0.0.101, r0 10.0.1.1) <-> $far (f0 10.0.1.2)"
run usrnet lab up --ns "$ns"
lab_created=1

step "the stack answers the kernel's ARP, ping and traceroute"
start_stack ' on tap0 up' up
inside "$ns" ping -c 3 "$stack_ip"
inside "$ns" arping -c 3 -I tap0 "$stack_ip"
inside "$ns" traceroute -n "$stack_ip"
inside "$far" ping -c 3 "$stack_ip"
inside "$far" traceroute -n "$stack_ip"
stop_stack

step "UDP echo: the stack serves port 7, kernel clients send datagrams"
start_stack 'listening on ' udp-echo 7
# socat exits 0.5 s after stdin's EOF unless given -t: give the reply time to come back.
printf 'hello from socat\n' | inside "$ns" socat -t 2 - "UDP:$stack_ip:7"
# socat and nc send one datagram per read, so count datagrams with a small client.
inside "$far" /usr/bin/python3 tests/Usrnet.LabTests/scripts/udp_echo_client.py "$stack_ip" 7 --count 3
stop_stack

step "the stack's own tools, through the gateway to the far host"
inside "$ns" usrnet arping -c 3 10.0.0.101
inside "$ns" usrnet ping -c 3 "$far_ip"
inside "$ns" usrnet traceroute "$far_ip"

step "DHCP and DNS: dnsmasq in $ns leases addresses and answers for example.test"
printf '$ ip netns exec %s dnsmasq ... --dhcp-range=10.0.0.150,10.0.0.199,2m --address=/far.example.test/%s &\n' "$ns" "$far_ip"
ip netns exec "$ns" dnsmasq --conf-file=/dev/null --no-daemon --bind-interfaces --interface=tap0 --except-interface=lo \
  --no-resolv --no-hosts --local=/example.test/ --dhcp-leasefile="$tmp/leases" --pid-file= --log-facility="$tmp/dnsmasq.log" \
  --dhcp-range=10.0.0.150,10.0.0.199,2m "--address=/far.example.test/$far_ip" &
peer_pids+=($!)
wait_for dnsmasq 30 listening "$ns" udp 67
wait_for dnsmasq 30 listening "$ns" udp 53
inside "$ns" usrnet dhcp
inside "$ns" usrnet dig far.example.test
fails ip netns exec "$ns" usrnet dig nothing.example.test

step "HTTP: Kestrel on the stack serves curl; HttpClient on the stack fetches from python beyond the gateway"
mkdir -p "$tmp/www"
printf '<!doctype html><title>usrnet</title><p>hello over a user-space TCP/IP stack</p>\n' >"$tmp/www/index.html"
start_stack 'listening on ' serve 8080 --root "$tmp/www"
inside "$ns" curl -sS "http://$stack_ip:8080/"
inside "$ns" curl -sS "http://$stack_ip:8080/usrnet/status" | head -5
stop_stack
printf '$ ip netns exec %s python3 -m http.server 8000 --bind %s &\n' "$far" "$far_ip"
ip netns exec "$far" /usr/bin/python3 -m http.server 8000 --bind "$far_ip" --directory "$tmp/www" >/dev/null 2>&1 &
peer_pids+=($!)
wait_for "python3 -m http.server" 30 listening "$far" tcp 8000
inside "$ns" usrnet http-get http://far.example.test:8000/

step "done"
