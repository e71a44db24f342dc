#!/usr/bin/env bash
# Measures the figures of BENCHMARKS.md on this machine, in a lab of its own (run as root):
#   * usrnet bench reader / writer over the TAP, with --offload on and off, against one kernel client
#     (bench/tcpbench.c: connect, 64 KiB writes or reads, no pipe), RUNS times each;
#   * the same-run kernel baselines: tcpbench to tcpbench over the lab's veth (NS <-> NS-far), with the
#     veth's offloads on and off (ethtool -K on both ends);
#   * usrnet bench in-process (two stacks, one thread) with the in-memory link's offloads on (64 KiB
#     segments) and off (1500-byte frames, checksums on), and usrnet bench async (the same through the
#     async facade: two NetworkStacks on loop threads, TcpStream writer and reader);
#   * in-process throughput against segment size, drawn into bench/throughput.png (bench/Usrnet.Plot)
#     from bench/throughput.csv;
#   * HTTP: wrk and curl against usrnet serve (Kestrel on the stack);
#   * ping RTT, kernel -> usrnet up, and kernel -> kernel over the lab's veth as a baseline.
# Ends with a table: each figure's median, its same-run baseline, the ratio and the target.
# Usage: sudo bench/run.sh [BYTES] [RUNS]     (defaults: 1000000000 bytes, 3 runs)
#        sudo bench/run.sh loss [ARGS]        only TCP through a lossy gateway against the kernel: bench/loss.sh
#                                             (not part of the default run: its 20 % transfers take minutes)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [[ ${1:-} == loss ]]; then
  shift
  exec bash bench/loss.sh "$@"
fi
bytes=${1:-1000000000}
runs=${2:-3}
ns=usn-bench-$$
far="$ns-far"
usrnet=src/Usrnet.Cli/bin/Release/net10.0/usrnet
segment_sizes=(1500 4096 9000 16384 32768 65535)
csv=bench/throughput.csv
png=bench/throughput.png

[[ $EUID -eq 0 ]] || { echo "bench/run.sh: run as root (it makes a lab)" >&2; exit 1; }
bash scripts/install-peers.sh
dotnet build src/Usrnet.Cli -c Release --nologo -v q >/dev/null
dotnet build bench/Usrnet.Plot -c Release --nologo -v q >/dev/null
work=$(mktemp -d)
tcpbench=$work/tcpbench
cc -O2 -Wall -Wextra -Werror -o "$tcpbench" bench/tcpbench.c

stack_pid=
cleanup() {
  [[ -n $stack_pid ]] && kill -TERM "$stack_pid" 2>/dev/null && wait "$stack_pid" 2>/dev/null || true
  "$usrnet" lab down --ns "$ns" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
"$usrnet" lab up --ns "$ns" >/dev/null

# start CMD...: a stack command in the background inside NS; waits for its listening line.
start() {
  ip netns exec "$ns" "$usrnet" "$@" >"$work/stack.log" 2>&1 &
  stack_pid=$!
  for _ in $(seq 100); do grep -q "listening\|up,\|serving" "$work/stack.log" 2>/dev/null && return 0; sleep 0.1; done
  cat "$work/stack.log" >&2; return 1
}
# finish: waits for the stack, prints its figures line and records its Gbps under FIGURE.
finish() {
  wait "$stack_pid" || true; stack_pid=
  local line; line=$(grep Gbps "$work/stack.log") || { cat "$work/stack.log" >&2; return 1; }
  echo "$line"; record "$1" "$line"
}

# record FIGURE LINE: keeps the Gbps of LINE ("... : X Gbps (...)") as one run of FIGURE.
declare -A figures=()
record() { figures[$1]+="$(grep -o '[0-9.]* Gbps' <<<"$2" | head -1 | cut -d' ' -f1) "; }
# median FIGURE: the median of its runs (the lower middle one of an even count).
median() { tr ' ' '\n' <<<"${figures[$1]:-}" | grep . | sort -g | awk '{v[NR]=$1} END {if (NR) print v[int((NR+1)/2)]; else print "-"}'; }

for mode in on off; do
  echo "== usrnet bench reader --offload $mode (the stack sends $bytes bytes to a kernel client over the TAP)"
  for _ in $(seq "$runs"); do
    start bench reader --bytes "$bytes" --offload "$mode"
    ip netns exec "$ns" "$tcpbench" recv 10.0.0.102 1234 >/dev/null
    finish "tap-send-$mode"
  done
  echo "== usrnet bench writer --offload $mode (a kernel client sends $bytes bytes to the stack over the TAP)"
  for _ in $(seq "$runs"); do
    start bench writer --bytes "$bytes" --offload "$mode"
    ip netns exec "$ns" "$tcpbench" send 10.0.0.102 1235 "$bytes" >/dev/null
    finish "tap-recv-$mode"
  done
done

# veth_offloads on|off: the kernel's offloads on both ends of the lab's veth.
veth_offloads() {
  ip netns exec "$ns" ethtool -K r0 tx "$1" rx "$1" tso "$1" gso "$1" gro "$1" >/dev/null 2>&1 || true
  ip netns exec "$far" ethtool -K f0 tx "$1" rx "$1" tso "$1" gso "$1" gro "$1" >/dev/null 2>&1 || true
}
# kernel_run FIGURE SERVER CLIENT...: tcpbench SERVER in NS-far, tcpbench CLIENT in NS; records the client's Gbps.
kernel_run() {
  local figure=$1 server=$2; shift 2
  ip netns exec "$far" "$tcpbench" $server >"$work/server.log" 2>&1 &
  local server_pid=$!
  for _ in $(seq 50); do grep -q listening "$work/server.log" && break; sleep 0.1; done
  local line; line=$(ip netns exec "$ns" "$tcpbench" "$@")
  wait "$server_pid" || true
  echo "$line"; record "$figure" "$line"
}
for mode in on off; do
  veth_offloads "$mode"
  echo "== baseline, same run: kernel -> kernel over the lab's veth, offloads $mode (ethtool -K r0, f0: tx rx tso gso gro $mode)"
  for _ in $(seq "$runs"); do
    kernel_run "veth-recv-$mode" "source 5001 $bytes" recv 10.0.1.2 5001
    kernel_run "veth-send-$mode" "sink 5002" send 10.0.1.2 5002 "$bytes"
  done
done
veth_offloads on

echo "== usrnet bench in-process (two stacks, one thread) and bench async (two NetworkStacks, TcpStream), in-memory link offloads on and off"
for mode in on off; do
  for _ in $(seq "$runs"); do
    line=$("$usrnet" bench in-process --bytes "$bytes" --offload "$mode"); echo "$line"; record "inproc-$mode" "$line"
    line=$("$usrnet" bench async --bytes "$bytes" --offload "$mode"); echo "$line"; record "async-$mode" "$line"
  done
done

echo "== usrnet bench in-process against segment size: offloads on (--segment-size S, no checksum work) and off (--mtu S, checksums on)"
for size in "${segment_sizes[@]}"; do
  for _ in $(seq "$runs"); do
    line=$("$usrnet" bench in-process --bytes "$bytes" --offload on --segment-size "$size"); echo "$line"; record "sweep-on-$size" "$line"
    line=$("$usrnet" bench in-process --bytes "$bytes" --offload off --mtu "$size"); echo "$line"; record "sweep-off-$size" "$line"
  done
done
{
  echo "series,segment_bytes,gbps"
  for size in "${segment_sizes[@]}"; do echo "in-process: link offloads on (MTU 1500; segments up to S),$size,$(median "sweep-on-$size")"; done
  for size in "${segment_sizes[@]}"; do echo "in-process: offloads off (MTU S; checksums on),$size,$(median "sweep-off-$size")"; done
  echo "TAP: stack sends offload on,65535,$(median tap-send-on)"
  echo "TAP: stack receives offload on,65535,$(median tap-recv-on)"
  echo "TAP: stack sends offload off,1500,$(median tap-send-off)"
  echo "TAP: stack receives offload off,1500,$(median tap-recv-off)"
  echo "kernel veth offloads on,65535,$(median veth-recv-on)"
  echo "kernel veth offloads off,1500,$(median veth-recv-off)"
} >"$csv"
dotnet bench/Usrnet.Plot/bin/Release/net10.0/Usrnet.Plot.dll "$csv" "$png" \
  "TCP throughput against segment size, medians of $runs, commit $(git rev-parse --short HEAD)"

echo "== HTTP: usrnet serve (Kestrel over the stack) under wrk -t2 -c20 -d10s, then curl fetching 100 MB"
www=$(mktemp -d)
head -c 100000000 /dev/urandom >"$www/big"
echo "hello from usrnet" >"$www/index.html"
start serve 8080 --root "$www"
ip netns exec "$ns" wrk -t2 -c20 -d10s http://10.0.0.102:8080/index.html | grep -E "requests in|Requests/sec|Socket errors|Non-2xx" || true
ip netns exec "$ns" curl -sS -o /dev/null -w "curl 100 MB: %{speed_download} bytes/s\n" http://10.0.0.102:8080/big
kill -TERM "$stack_pid"; wait "$stack_pid" || true; stack_pid=
rm -rf "$www"

echo "== ping RTT: kernel -> usrnet up over the tap"
start up
ip netns exec "$ns" ping -q -c 200 -i 0.01 10.0.0.102 | tail -1
kill -TERM "$stack_pid"; wait "$stack_pid" || true; stack_pid=

echo "== baseline, same run: ping RTT kernel -> kernel over the lab's veth"
ip netns exec "$ns" ping -q -c 200 -i 0.01 10.0.1.2 | tail -1


# row WHAT FIGURE BASELINE-FIGURE TARGET-GBPS TARGET-RATIO: one line of the summary table.
row() {
  local what=$1 m b ratio verdict=""; m=$(median "$2"); b=$([[ -n $3 ]] && median "$3" || echo "-")
  ratio=$(awk -v m="$m" -v b="$b" 'BEGIN { if (b+0 > 0 && m != "-") printf "%.2f", m / b; else print "-" }')
  verdict=$(awk -v m="$m" -v r="$ratio" -v tg="$4" -v tr="$5" 'BEGIN {
    ok = 1; want = ""
    if (tg != "") { want = "≥ " tg " Gbps"; if (m + 0 < tg + 0) ok = 0 }
    if (tr != "") { want = want (want == "" ? "" : ", ") "≥ " tr "×"; if (r == "-" || r + 0 < tr + 0) ok = 0 }
    print want " " (want == "" ? "" : ok ? "met" : "NOT met") }')
  printf "| %s | %s | %s | %s | %s |\n" "$what" "$m" "$b" "$ratio" "$verdict"
}
echo
echo "== summary: medians of $runs runs of $bytes bytes (Gbps), commit $(git rev-parse --short HEAD), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| figure | median | same-run baseline | ratio | target |"
echo "|---|---|---|---|---|"
row "TAP offload on: stack sends (baseline: veth offloads on, kernel sends)" tap-send-on veth-recv-on 18 0.55
row "TAP offload on: stack receives (baseline: veth offloads on, kernel receives)" tap-recv-on veth-send-on 18 0.55
row "TAP offload off: stack sends (baseline: veth offloads off)" tap-send-off veth-recv-off 4 ""
row "TAP offload off: stack receives (baseline: veth offloads off)" tap-recv-off veth-send-off 6.5 ""
row "in-process, link offloads on, 64 KiB segments" inproc-on "" 40 ""
row "in-process, offloads off, 1500-byte frames, checksums on" inproc-off "" 15 ""
row "async, link offloads on (baseline: in-process on)" async-on inproc-on "" 0.8
row "async, offloads off (baseline: in-process off)" async-off inproc-off "" 0.8
row "kernel veth offloads on: NS client receives" veth-recv-on "" "" ""
row "kernel veth offloads on: NS client sends" veth-send-on "" "" ""
row "kernel veth offloads off: NS client receives" veth-recv-off "" "" ""
row "kernel veth offloads off: NS client sends" veth-send-off "" "" ""
echo "plot: $png (data: $csv)"
