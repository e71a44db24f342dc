#!/usr/bin/env bash
# A soak: one stack process (`usrnet bench soak`) under every kind of traffic at once, in a lab of its
# own, for 10 minutes by default:
#   * bulk TCP both ways (kernel clients reading the stack's source on 1234 and writing to its sink on
#     1235, 25 MB/s each, a new connection every 64 MiB), many short echo connections to the stack (50/s
#     on port 7) and from it (10/s, to an echo server beyond the gateway), UDP echo (200 datagrams/s),
#     ping every 0.2 s, DNS lookups by the stack (10/s, dnsmasq), its DHCP lease renewed every 10 s
#     (dnsmasq, T1 = 10 s);
#   * once per report interval a burst of 2000 malformed frames (bench/soak_frames.py: broken IPv4,
#     ICMP, UDP, ARP, TCP headers and options) and a SYN flood of a few seconds (hping3 --flood, every
#     other one with --rand-source) at port 7.
# The stack prints its memory (RSS, GC heap), handles (fds, threads) and counters every interval
# (60 s; 10 s for runs under 10 minutes), shown as a table. At the end the stack gets SIGTERM while
# connections are open, and the verdict checks: the stack exited as a usrnet command does after
# SIGTERM (143, "interrupted") without an exception; RSS and open fds at the last report (after a 20 s
# warm-up) at most 10% above the first; the kernel left with no connection to the
# stack but TIME-WAIT (`ss -tan` in the namespace); every kind of traffic got through. Exit 1 if not.
#
#   sudo bench/soak.sh [--minutes N | --seconds N]     (default 10 minutes; at least 30 seconds)
#
# With SOAK_KEEP=DIR the files it collected (the stack's output, the peers' summaries, ss, dnsmasq's
# log) are copied to DIR at the end.
#
# Builds the CLI in Release first. Every process it starts is bounded in time, and the lab
# (namespaces usrnet-soak-PID and usrnet-soak-PID-far) is removed whatever happens.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }
seconds=600
while (($#)); do
  case $1 in
    --minutes) [[ ${2:-} =~ ^[0-9]+$ ]] || { echo "soak.sh: --minutes needs a whole number" >&2; exit 2; }; seconds=$(($2 * 60)); shift 2 ;;
    --seconds) [[ ${2:-} =~ ^[0-9]+$ ]] || { echo "soak.sh: --seconds needs a whole number" >&2; exit 2; }; seconds=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "soak.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
((seconds >= 30)) || { echo "soak.sh: the soak must last at least 30 seconds (three reports)" >&2; exit 2; }
[[ $EUID -eq 0 ]] || { echo "soak.sh: run as root (sudo bench/soak.sh): it makes network namespaces and a TAP device" >&2; exit 1; }

interval=$((seconds >= 600 ? 60 : 10))
flood_seconds=$((interval >= 60 ? 5 : 2))
malformed_per_burst=2000
ns=usrnet-soak-$$
far="$ns-far"
far_ip=10.0.1.2
domain=soak.example.test
# Every process gets this much time beyond the soak before `timeout` ends it.
slack=120
started=$SECONDS

tmp=$(mktemp -d /tmp/usrnet-soak.XXXXXX)
mkdir -p "$tmp/peers" "$tmp/bin"
stack_pid=
lab_created=
pids=()

# stop PID: SIGTERM, then SIGKILL if it is still there after 10 s.
stop() {
  local pid=$1 what
  what=$(ps -o args= -p "$pid" 2>/dev/null) || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -KILL "$pid" 2>/dev/null; then
    echo "soak.sh: killed '$what': still there 10 s after SIGTERM" >&2
  fi
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  [[ -n $stack_pid ]] && stop "$stack_pid"
  for pid in "${pids[@]}"; do stop "$pid"; done
  if [[ -n $lab_created ]]; then
    usrnet lab down --ns "$ns" >/dev/null 2>&1 || echo "soak.sh: could not remove the lab; run: usrnet lab down --ns $ns" >&2
  fi
  if [[ -n ${SOAK_KEEP:-} ]]; then
    mkdir -p "$SOAK_KEEP" && cp -r "$tmp"/. "$SOAK_KEEP"/ && echo "soak.sh: files kept in $SOAK_KEEP"
  fi
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# inside NS CMD... &: CMD inside namespace NS in the background, ended by `timeout` if it outlives
# the soak. exec: the background subshell becomes the command, so $! and its signals are the command's.
# --foreground: timeout passes a signal on to CMD only, not to its whole process group as well, which
# would make it two signals (a second one ends a usrnet command at once).
inside() {
  local where=$1
  shift
  exec ip netns exec "$where" timeout --foreground --kill-after=5 $((seconds + slack)) "$@"
}
peer() { inside "$ns" /usr/bin/python3 bench/soak_peers.py "$@"; }

echo "== build (Release) and lab $ns"
bash scripts/install-peers.sh
if ! dotnet build src/Usrnet.Cli -c Release --nologo -v q >"$tmp/build.log" 2>&1; then
  cat "$tmp/build.log" >&2
  exit 1
fi
# `usrnet` on PATH (also inside `ip netns exec`): exec keeps one pid, so signals reach the stack.
printf '#!/bin/sh\nexec %q %q "$@"\n' "$(command -v dotnet)" "$PWD/src/Usrnet.Cli/bin/Release/net10.0/Usrnet.Cli.dll" >"$tmp/bin/usrnet"
chmod +x "$tmp/bin/usrnet"
export PATH="$tmp/bin:$PATH"
build_seconds=$((SECONDS - started))
usrnet lab up --ns "$ns" >/dev/null
lab_created=1

# dnsmasq: a 2-minute lease (its shortest) renewed at T1 = 10 s, and names under $domain (docs/articles/design.md §3).
inside "$ns" dnsmasq --conf-file=/dev/null --no-daemon --bind-interfaces --interface=tap0 --except-interface=lo \
  --no-resolv --no-hosts --local=/example.test/ --dhcp-leasefile="$tmp/leases" --pid-file= --log-facility="$tmp/dnsmasq.log" \
  --dhcp-range=10.0.0.150,10.0.0.199,2m --dhcp-option=58,10 --dhcp-option=59,20 "--address=/$domain/$far_ip" 2>"$tmp/dnsmasq.err" &
pids+=($!)
inside "$far" /usr/bin/python3 bench/soak_peers.py echo-server "$far_ip" 7 --seconds $((seconds + 60)) >"$tmp/peers/echo-server.json" &
pids+=($!)
for _ in $(seq 100); do grep -q "DHCP, IP range" "$tmp/dnsmasq.log" 2>/dev/null && break; sleep 0.1; done

echo "== the stack: usrnet bench soak --dhcp --interval $interval --connect $far_ip:7 --connect-every 0.1 --lookup $domain --lookup-every 0.1"
inside "$ns" usrnet bench soak --dhcp --interval "$interval" --connect "$far_ip:7" --connect-every 0.1 \
  --lookup "$domain" --lookup-every 0.1 >"$tmp/stack.out" 2>"$tmp/stack.err" &
stack_pid=$!
address=
for _ in $(seq 600); do
  address=$(sed -n 's|^usrnet: soak on \([0-9.]*\)/.*|\1|p' "$tmp/stack.out")
  [[ -n $address ]] && break
  kill -0 "$stack_pid" 2>/dev/null || break
  sleep 0.1
done
if [[ -z $address ]]; then
  echo "soak.sh: the stack did not come up within 60 s:" >&2
  cat "$tmp/stack.out" "$tmp/stack.err" >&2
  exit 1
fi
lease_seconds=$((SECONDS - started - build_seconds))
echo "$address" >"$tmp/address"
echo "$seconds" >"$tmp/seconds"
grep '^usrnet:' "$tmp/stack.out"

echo "== $seconds s of traffic at $address (a report every $interval s; bursts: $malformed_per_burst malformed frames, ${flood_seconds} s of SYN flood)"
peer short "$address" 7 --seconds "$seconds" >"$tmp/peers/short.json" &
pids+=($!)
peer bulk-recv "$address" 1234 --seconds "$seconds" >"$tmp/peers/bulk-recv.json" &
pids+=($!)
peer bulk-send "$address" 1235 --seconds "$seconds" >"$tmp/peers/bulk-send.json" &
pids+=($!)
peer udp "$address" 7 --seconds "$seconds" >"$tmp/peers/udp.json" &
pids+=($!)
inside "$ns" ping -n -q -i 0.2 -W 1 -w "$seconds" "$address" >"$tmp/ping.out" 2>&1 &
pids+=($!)

# print_rows: the stack's new report lines as rows of the table.
printed=0
print_rows() {
  local line
  while IFS= read -r line; do
    /usr/bin/python3 bench/soak_report.py row "$line"
    printed=$((printed + 1))
  done < <(grep '^{' "$tmp/stack.out" | tail -n +$((printed + 1)))
}
/usr/bin/python3 bench/soak_report.py header
# The bursts by the clock (the loop's own work takes time on a busy machine): malformed frames a
# fifth into each interval, a SYN flood halfway.
traffic_started=$SECONDS
next_malformed=$((interval / 5))
next_flood=$((interval / 2))
burst=0
while (((t = SECONDS - traffic_started) < seconds)); do
  if ((t >= next_malformed)); then
    burst=$((burst + 1))
    next_malformed=$((next_malformed + interval))
    inside "$ns" /usr/bin/python3 bench/soak_frames.py "$malformed_per_burst" --dst-ip "$address" --seed "$burst" >"$tmp/peers/malformed-$burst.json" 2>&1 &
    pids+=($!)
  fi
  if ((t >= next_flood && t + flood_seconds < seconds)); then
    next_flood=$((next_flood + interval))
    # Every other flood from random sources; SIGINT: hping3 prints its statistics on the way out.
    random_source=$( ((t / interval % 2)) && echo --rand-source || true)
    ip netns exec "$ns" timeout --foreground -s INT --kill-after=5 "$flood_seconds" hping3 -S --flood -p 7 $random_source "$address" >/dev/null 2>"$tmp/flood-$t.err" &
    pids+=($!)
  fi
  print_rows
  kill -0 "$stack_pid" 2>/dev/null || { echo "soak.sh: the stack exited during the soak" >&2; break; }
  sleep 1
done

shutdown_started=$SECONDS
echo "== SIGTERM to the stack, with its connections open"
kill -TERM "$stack_pid" 2>/dev/null || true
for _ in $(seq 300); do kill -0 "$stack_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$stack_pid" 2>/dev/null; then
  echo "soak.sh: the stack did not exit within 30 s of SIGTERM; killing it" >&2
  kill -KILL "$stack_pid" 2>/dev/null || true
fi
rc=0
wait "$stack_pid" || rc=$?
stack_pid=
echo "$rc" >"$tmp/stack.rc"
print_rows
# The kernel's peers learn of the close as soon as it is on the wire; give them 10 s to act on it.
for _ in $(seq 100); do
  [[ -z $(ip netns exec "$ns" ss -Htan dst "$address" | grep -v TIME-WAIT) ]] && break
  sleep 0.1
done
ip netns exec "$ns" ss -tan >"$tmp/ss.txt"
for pid in "${pids[@]}"; do stop "$pid"; done
pids=()

if [[ -s $tmp/stack.err ]]; then
  echo "-- the stack's stderr:"
  sed 's/^/  | /' "$tmp/stack.err" | head -50
fi
if grep -v TIME-WAIT "$tmp/ss.txt" | grep -q " $address:"; then
  echo "-- ss -tan in $ns:"
  grep -e "^State" -e " $address:" "$tmp/ss.txt" | sed 's/^/  | /'
fi
echo "-- the stack's last report:"
grep '^{' "$tmp/stack.out" | tail -1 | sed 's/^/  | /'
verdict=0
/usr/bin/python3 bench/soak_report.py verdict "$tmp" || verdict=$?
echo "soak.sh: $seconds s soak, $((SECONDS - started)) s in all (build $build_seconds s, lease $lease_seconds s, shutdown and checks $((SECONDS - shutdown_started)) s)"
exit "$verdict"
