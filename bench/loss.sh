#!/usr/bin/env bash
# TCP on bad paths: the lab's gateway drops P% of what it forwards each way, and a kernel client one hop
# beyond it has BYTES echoed, once by the stack (`usrnet tcp-echo --offload off`) and once by the
# kernel's own TCP (bench/loss_echo_server.py) per congestion control in --cc, at each loss rate, in
# the same run (run as root).
#
# Topology: the lab of docs/articles/design.md §3 plus a third namespace for the kernel's server, hung off the same
# gateway as the tap, so both servers are one forwarding hop from the client:
#
#   stack 10.0.0.102 =tap0=> [NS: 10.0.0.101 tap0 | 10.0.2.1 s0 | 10.0.1.1 r0] --veth-- [NS-far: 10.0.1.2 f0, the client]
#   kernel 10.0.2.2 e0 [NS-srv] --veth-- s0 ^
#
# Loss is one nftables chain in NS's forward hook, where neither sender can see it (docs/articles/design.md §3):
#   iif "r0" numgen random mod 100 < P counter drop     client -> server (tap0 or s0)
#   oif "r0" numgen random mod 100 < P counter drop     server -> client
# so both servers cross the same rules with the same P. The table is made anew for every transfer, so
# its counters are that transfer's drops. The client is the same for both: the lab tests'
# tcp_echo_client.py (kernel TCP in NS-far, sends and reads at once, SHA-256 of both streams). Offloads
# are off everywhere: the stack's tap carries plain frames, and the veths have tx/rx checksum, TSO,
# GSO and GRO off, so each rule sees (and drops) single wire segments, never 64 KiB aggregates.
# Both paths' ping RTT is measured first and printed (the stack's is longer: it runs in user space).
# Congestion control is named, never left to the machine's default: each kernel server sets its own
# (TCP_CONGESTION) from --cc, and the targets are checked against each; the client's (--client-cc,
# by route) is the same whichever server it talks to. Its default is bbr, which keeps sending through
# random loss: with a loss-based client (cubic) the client's own direction sets the pace at 10-20 %
# (no server echoes 20 MB in 120 s at 20 %), so the figures would measure the client, not the server.
#
# Per transfer: elapsed time, completed or not (a deadline per rate, scaled with BYTES), SHA-256 sent ==
# received, the gateway's drops each way, and the server's TCP counters: the stack's totals from
# tcp-echo's exit ("usrnet: tcp statistics"), the kernel's from nstat in NS-srv (its only TCP traffic).
# Prints markdown tables (medians, ranges, targets), writes bench/loss.csv (one line per transfer) and
# draws bench/loss.png (bench/Usrnet.Plot loss).
# Usage: sudo bench/loss.sh [--bytes N] [--rates "0 1 2 5 10 20"] [--repeat K] [--cc "cubic bbr"] [--client-cc bbr]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bytes=20000000
rates="0 1 2 5 10 20"
repeat=2
ccs="cubic bbr"
client_cc=bbr
usage='usage: bench/loss.sh [--bytes N] [--rates "0 1 2 5 10 20"] [--repeat K] [--cc "cubic bbr"] [--client-cc bbr]'
while (($#)); do
  case $1 in
    --bytes) bytes=$2; shift 2 ;;
    --rates) rates=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    --cc) ccs=$2; shift 2 ;;
    --client-cc) client_cc=$2; shift 2 ;;
    -h | --help) sed -n '2,/^# Usage/p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/loss.sh: unknown argument $1 ($usage)" >&2; exit 2 ;;
  esac
done
[[ $bytes =~ ^[1-9][0-9]*$ && $repeat =~ ^[1-9][0-9]*$ ]] || { echo "bench/loss.sh: --bytes and --repeat take positive integers" >&2; exit 2; }
for rate in $rates; do
  [[ $rate =~ ^[0-9]+$ && $rate -le 100 ]] || { echo "bench/loss.sh: --rates takes whole percentages 0-100, not $rate" >&2; exit 2; }
done
for cc in $client_cc $ccs; do
  grep -qw "$cc" /proc/sys/net/ipv4/tcp_available_congestion_control \
    || { echo "bench/loss.sh: congestion control $cc not available (have: $(cat /proc/sys/net/ipv4/tcp_available_congestion_control))" >&2; exit 2; }
done
[[ $EUID -eq 0 ]] || { echo "bench/loss.sh: run as root (it makes a lab)" >&2; exit 1; }

ns=usn-loss-$$
far="$ns-far"
srv="$ns-srv"
port=7
usrnet=src/Usrnet.Cli/bin/Release/net10.0/usrnet
python=/usr/bin/python3
client=tests/Usrnet.LabTests/scripts/tcp_echo_client.py
csv=bench/loss.csv
png=bench/loss.png
commit=$(git rev-parse --short HEAD)

bash scripts/install-peers.sh
dotnet build src/Usrnet.Cli -c Release --nologo -v q >/dev/null
dotnet build bench/Usrnet.Plot -c Release --nologo -v q >/dev/null
work=$(mktemp -d)

stack_pid=
server_pids=()
cleanup() {
  [[ -n $stack_pid ]] && kill -TERM "$stack_pid" 2>/dev/null && wait "$stack_pid" 2>/dev/null || true
  for pid in "${server_pids[@]}"; do kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; done
  "$usrnet" lab down --ns "$ns" >/dev/null 2>&1 || true
  ip netns del "$srv" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$usrnet" lab up --ns "$ns" >/dev/null
ip netns add "$srv"
ip -n "$srv" link set lo up
ip -n "$ns" link add s0 type veth peer name e0 netns "$srv"
ip -n "$ns" addr add 10.0.2.1/24 dev s0
ip -n "$ns" link set s0 up
ip -n "$srv" addr add 10.0.2.2/24 dev e0
ip -n "$srv" link set e0 up
ip -n "$srv" route add default via 10.0.2.1
for end in "$ns r0" "$far f0" "$ns s0" "$srv e0"; do
  read -r where dev <<<"$end"
  ip netns exec "$where" ethtool -K "$dev" tx off rx off tso off gso off gro off >/dev/null 2>&1 || true
done
# The client's congestion control by route (congctl): a namespace other than the first may not make a
# restricted algorithm (tcp_allowed_congestion_control) its default, but a route may name any.
ip -n "$far" route replace default via 10.0.1.1 dev f0 congctl "$client_cc"

# loss P: the gateway's loss table, made anew (counters at zero) with P% each way.
loss() {
  ip netns exec "$ns" nft delete table inet loss 2>/dev/null || true
  ip netns exec "$ns" nft -f - <<END
table inet loss {
  chain drop_some {
    type filter hook forward priority 0;
    iif "r0" numgen random mod 100 < $1 counter drop
    oif "r0" numgen random mod 100 < $1 counter drop
  }
}
END
}

# start_stack: usrnet tcp-echo in NS, its output in $work/stack.out; waits for its listening line.
start_stack() {
  ip netns exec "$ns" "$usrnet" tcp-echo "$port" --offload off -q >"$work/stack.out" 2>&1 &
  stack_pid=$!
  for _ in $(seq 100); do grep -q listening "$work/stack.out" 2>/dev/null && return 0; sleep 0.1; done
  cat "$work/stack.out" >&2; return 1
}
# stop_stack: SIGTERM, so tcp-echo prints its statistics; killed if it does not exit within 10 s.
stop_stack() {
  kill -TERM "$stack_pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$stack_pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$stack_pid" 2>/dev/null || true
  wait "$stack_pid" 2>/dev/null || true
  stack_pid=
}

# One kernel echo server per congestion control, on ports 7, 8, ...: kernel_port[CC].
declare -A kernel_port=()
for cc in $ccs; do
  kernel_port[$cc]=$((port + ${#kernel_port[@]}))
  ip netns exec "$srv" "$python" bench/loss_echo_server.py "${kernel_port[$cc]}" --congestion "$cc" >"$work/server-$cc.out" 2>&1 &
  server_pids+=($!)
  for _ in $(seq 50); do grep -q listening "$work/server-$cc.out" 2>/dev/null && break; sleep 0.1; done
  grep -q listening "$work/server-$cc.out" || { cat "$work/server-$cc.out" >&2; exit 1; }
  sed "s/^/kernel echo server 10.0.2.2: /" "$work/server-$cc.out"
done
echo "client 10.0.1.2: tcp_echo_client.py, congestion control $client_cc (route: $(ip -n "$far" route show default))"

echo "== ping RTT from the client (NS-far) through the gateway, no loss rules"
start_stack
ip netns exec "$far" ping -q -c 100 -i 0.01 10.0.0.102 | tail -1 | sed 's/^/usrnet tcp-echo 10.0.0.102: /' | tee "$work/rtt"
stop_stack
ip netns exec "$far" ping -q -c 100 -i 0.01 10.0.2.2 | tail -1 | sed 's/^/kernel 10.0.2.2: /' | tee -a "$work/rtt"

# deadline P: seconds a transfer may take at P% loss, for 20 MB; longer for more bytes.
deadline() {
  awk -v p="$1" -v b="$bytes" 'BEGIN { d = p <= 2 ? 30 : p <= 5 ? 60 : p <= 10 ? 90 : 120; s = b / 20000000; printf "%d", d * (s > 1 ? s : 1) }'
}

# transfer STACK P REP: one echo of $bytes through P% loss each way, STACK usrnet or linux-CC; its files
# in $work/runs/STACK-P-REP.
transfer() {
  local stack=$1 rate=$2 rep=$3 address to=$port dir limit rc=0 started
  dir=$work/runs/$stack-$rate-$rep
  mkdir -p "$dir"
  limit=$(deadline "$rate")
  echo "$limit" >"$dir/deadline"
  loss "$rate"
  if [[ $stack == usrnet ]]; then
    address=10.0.0.102; start_stack
  else
    address=10.0.2.2; to=${kernel_port[${stack#linux-}]}; ip netns exec "$srv" nstat -asz >"$dir/nstat.before"
  fi
  started=$(date +%s.%N)
  timeout $((limit + 15)) ip netns exec "$far" "$python" "$client" "$address" "$to" --bytes "$bytes" \
    --seed "loss-$rate-$rep" --stall "$limit" --deadline "$limit" >"$dir/client.out" 2>&1 || rc=$?
  awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN { printf "%.3f\n", e - s }' >"$dir/wall"
  echo "$rc" >"$dir/client.rc"
  ip netns exec "$ns" nft list table inet loss >"$dir/nft.txt"
  if [[ $stack == usrnet ]]; then
    stop_stack; cp "$work/stack.out" "$dir/stack.out"
  else
    ip netns exec "$srv" nstat -asz >"$dir/nstat.after"
  fi
  # A client cut off at its deadline leaves its socket to retransmit through the gateway for minutes,
  # its reset lost to the loss rule: destroy it, so no transfer carries another's traffic.
  ip netns exec "$far" ss -K dst "$address" >/dev/null 2>&1 || true
  "$python" bench/loss_report.py line "$dir"
  [[ $rc -eq 0 ]] || grep -v '^ss -tin' "$dir/client.out" | head -8 | sed 's/^/    /'
}

echo "== $bytes bytes echoed through the gateway at ${rates// /, } % loss each way, $repeat times each; kernel servers: ${ccs// /, }; client: $client_cc; commit $commit"
for rate in $rates; do
  for rep in $(seq "$repeat"); do
    transfer usrnet "$rate" "$rep"
    for cc in $ccs; do transfer "linux-$cc" "$rate" "$rep"; done
  done
done
loss 0

"$python" bench/loss_report.py csv "$work/runs" "$commit" "$client_cc" >"$csv"
echo
echo "== summary: $bytes bytes each way, medians of $repeat (range), client congestion control $client_cc, commit $commit, $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
sed 's/^/ping RTT, /' "$work/rtt"
# shellcheck disable=SC2086 # one argument per congestion control
"$python" bench/loss_report.py table "$csv" $(printf 'linux-%s ' $ccs)
dotnet bench/Usrnet.Plot/bin/Release/net10.0/Usrnet.Plot.dll loss "$csv" "$png" \
  "TCP echo of $((bytes / 1000000)) MB through a lossy gateway (client $client_cc), medians of $repeat, commit $commit"
echo "data: $csv; plot: $png"
