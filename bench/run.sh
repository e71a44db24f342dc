#!/usr/bin/env bash
# Measures the figures of BENCHMARKS.md on this machine, in a lab of its own (run as root):
#   * usrnet bench reader / writer over the TAP against kernel clients (bench/tcp_recv.py and
#     tcp_send.py: one large buffer each, no pipe: `head | socat` tops out near 1.5 Gbps itself), RUNS times each;
#   * usrnet bench in-process (two stacks, one thread, no tap) and usrnet bench async (the same
#     through the async facade: two NetworkStacks on loop threads, TcpStream writer and reader);
#   * HTTP: wrk and curl against usrnet serve (Kestrel on the stack);
#   * ping RTT, kernel -> usrnet up, and, as a baseline measured in the same run, kernel -> kernel
#     over the lab's veth and kernel TCP throughput over the same veth (iperf3).
# Usage: sudo bench/run.sh [BYTES] [RUNS]     (defaults: 1000000000 bytes, 3 runs)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bytes=${1:-1000000000}
runs=${2:-3}
ns=usn-bench-$$
far="$ns-far"
usrnet=src/Usrnet.Cli/bin/Release/net10.0/usrnet

[[ $EUID -eq 0 ]] || { echo "bench/run.sh: run as root (it makes a lab)" >&2; exit 1; }
bash scripts/install-peers.sh
dotnet build src/Usrnet.Cli -c Release --nologo -v q >/dev/null

stack_pid=
cleanup() {
  [[ -n $stack_pid ]] && kill -TERM "$stack_pid" 2>/dev/null && wait "$stack_pid" 2>/dev/null || true
  "$usrnet" lab down --ns "$ns" >/dev/null 2>&1 || true
}
trap cleanup EXIT
"$usrnet" lab up --ns "$ns" >/dev/null

# start CMD...: a stack command in the background inside NS; waits for its listening line.
start() {
  ip netns exec "$ns" "$usrnet" "$@" >"/tmp/$ns.log" 2>&1 &
  stack_pid=$!
  for _ in $(seq 100); do grep -q "listening\|up,\|serving" "/tmp/$ns.log" 2>/dev/null && return 0; sleep 0.1; done
  cat "/tmp/$ns.log" >&2; return 1
}
finish() { wait "$stack_pid" || true; stack_pid=; grep Gbps "/tmp/$ns.log"; }

echo "== usrnet bench reader (the stack sends $bytes bytes to a kernel client)"
for _ in $(seq "$runs"); do
  start bench reader --bytes "$bytes"
  ip netns exec "$ns" /usr/bin/python3 bench/tcp_recv.py 10.0.0.102 1234 >/dev/null
  finish
done

echo "== usrnet bench writer (a kernel client sends $bytes bytes to the stack)"
for _ in $(seq "$runs"); do
  start bench writer --bytes "$bytes"
  ip netns exec "$ns" /usr/bin/python3 bench/tcp_send.py 10.0.0.102 1235 "$bytes"
  finish
done

echo "== usrnet bench in-process (two stacks, one thread)"
for _ in $(seq "$runs"); do "$usrnet" bench in-process --bytes "$bytes"; done

echo "== usrnet bench async (two NetworkStacks, TcpStream; compare with in-process above)"
for _ in $(seq "$runs"); do "$usrnet" bench async --bytes "$bytes"; done

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

echo "== baseline, same run: kernel TCP over the lab's veth (iperf3, 5 s)"
ip netns exec "$far" iperf3 -s -1 -D --logfile /dev/null
sleep 0.5
ip netns exec "$ns" iperf3 -c 10.0.1.2 -t 5 -f g | grep -E "sender|receiver"
