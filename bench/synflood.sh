#!/usr/bin/env bash
# SYN flood against the stack, in a lab of its own (run as root): does legitimate traffic keep moving?
#   1. usrnet bench syn: the SYNs per second one stack thread absorbs (in process, no tap);
#   2. usrnet tcp-echo 7 under `hping3 -S --flood --rand-source -p 7` for FLOOD_S seconds (bounded by
#      timeout): a kernel client connects 1 s into the flood and echoes up to 10 MB; the bytes echoed
#      while the flood lasts are printed, with the stack's SYN counters and its memory peak (VmHWM);
#   3. usrnet serve 8080 under the same flood at port 8080: curl fetches 10 MB; its time is printed.
# Usage: sudo bench/synflood.sh [FLOOD_S]     (default 20)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
flood_s=${1:-20}
ns=usn-flood-$$
usrnet=src/Usrnet.Cli/bin/Release/net10.0/usrnet
bytes=10000000
www=$(mktemp -d)

[[ $EUID -eq 0 ]] || { echo "bench/synflood.sh: run as root (it makes a lab)" >&2; exit 1; }
command -v hping3 >/dev/null || bash scripts/install-peers.sh
dotnet build src/Usrnet.Cli -c Release --nologo -v q >/dev/null

stack_pid=
cleanup() {
  [[ -n $stack_pid ]] && kill -TERM "$stack_pid" 2>/dev/null && wait "$stack_pid" 2>/dev/null || true
  "$usrnet" lab down --ns "$ns" >/dev/null 2>&1 || true
  rm -rf "$www" "/tmp/$ns.log"
}
trap cleanup EXIT
"$usrnet" lab up --ns "$ns" >/dev/null

# start CMD...: a stack command in the background inside NS; waits for its readiness line.
start() {
  ip netns exec "$ns" "$usrnet" "$@" >"/tmp/$ns.log" 2>&1 &
  stack_pid=$!
  for _ in $(seq 200); do grep -q "listening on" "/tmp/$ns.log" 2>/dev/null && return 0; sleep 0.1; done
  cat "/tmp/$ns.log" >&2; return 1
}
# stop: the stack's memory peak, then SIGTERM and its SYN counters.
stop() {
  echo "stack memory peak: $(awk '/VmHWM/ {print $2, $3}' "/proc/$stack_pid/status")"
  kill -TERM "$stack_pid"; wait "$stack_pid" || true; stack_pid=
  grep -E "FramesReceived|SynsOverBudget|TcpResetsSent|DroppedMalformed" "/tmp/$ns.log" | tr -s ' ' | paste -sd ' ' -
}
# flood PORT: hping3 for FLOOD_S seconds in the background; its statistics go to /tmp/$ns.hping.
flood() {
  ip netns exec "$ns" timeout -s INT "$flood_s" hping3 -q -S --flood --rand-source -p "$1" 10.0.0.102 >"/tmp/$ns.hping" 2>&1 &
  flood_pid=$!
}
flood_report() {
  wait "$flood_pid" || true
  grep -E "packets transmitted" "/tmp/$ns.hping" | sed "s/^/hping3: /; s/$/ in $flood_s s/"
  rm -f "/tmp/$ns.hping"
}

echo "== usrnet bench syn (SYNs one stack thread absorbs, in process)"
"$usrnet" bench syn --syns 2000000

echo "== tcp-echo under hping3 -S --flood --rand-source for $flood_s s: a 10 MB echo started 1 s into the flood"
start tcp-echo 7 -q
flood 7
sleep 1
ip netns exec "$ns" /usr/bin/python3 bench/flood_echo.py 10.0.0.102 7 "$bytes" "$((flood_s - 2))" || true
flood_report
stop

echo "== usrnet serve under the same flood: curl fetches 10 MB, started 1 s into the flood"
head -c "$bytes" /dev/zero >"$www/10mb.bin"
start serve 8080 --root "$www"
flood 8080
sleep 1
ip netns exec "$ns" curl -sS -o /dev/null -m "$((flood_s - 2))" -w "curl: %{size_download} bytes in %{time_total} s (connect %{time_connect} s)\n" http://10.0.0.102:8080/10mb.bin || echo "curl did not finish within the flood"
flood_report
stop
