#!/usr/bin/env bash
# Coverage-guided fuzzing of the stack's parsers and its interface: SharpFuzz instruments Usrnet.dll,
# AFL++ (Debian's afl++) drives one target after the other, never two at once (see fuzz/README.md).
#
# usage: fuzz/run.sh [--seconds N] [--target NAME]... [--findings DIR]
#   --seconds N      fuzz each target for N seconds (afl-fuzz -V N; default 15)
#   --target NAME    only this target (repeatable; default: all, as `Usrnet.Fuzz --list` prints them)
#   --findings DIR   where crashing and hanging inputs are copied (default: fuzz/findings, not checked in)
#
# Prints per target the executions, corpus entries (paths), edges, crashes and hangs, then a total.
# Exits 1 when any target found a crash or a hang (each input is printed in hex with the command that
# reproduces it), 2 on a usage or set-up error.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=15
targets=()
findings="$root/fuzz/findings"
while (($# > 0)); do
  case "$1" in
    --seconds) seconds=${2:?--seconds needs a number}; shift 2 ;;
    --target) targets+=("${2:?--target needs a name}"); shift 2 ;;
    --findings) findings=${2:?--findings needs a folder}; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
if ! [[ $seconds =~ ^[1-9][0-9]*$ ]]; then
  echo "run.sh: --seconds must be a positive whole number, not '$seconds'" >&2
  exit 2
fi

if ! command -v afl-fuzz >/dev/null; then
  if [[ $EUID -ne 0 ]] || ! command -v apt-get >/dev/null; then
    echo "run.sh: afl-fuzz is missing: install Debian's afl++ (as root: apt-get install afl++)" >&2
    exit 2
  fi
  echo "run.sh: installing afl++" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get -q -o DPkg::Lock::Timeout=600 update >/dev/null
  apt-get -q -y -o DPkg::Lock::Timeout=600 install --no-install-recommends afl++ >/dev/null
fi

work=$(mktemp -d /tmp/usrnet-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
bin="$work/bin"
mkdir -p "$work/findings"

# Build, then instrument only the stack: the harness and the BCL stay as they are.
cd "$root"
dotnet tool restore >/dev/null
dotnet publish fuzz/Usrnet.Fuzz -c Release -o "$bin" --nologo -v quiet >"$work/publish.log" 2>&1 \
  || { cat "$work/publish.log" >&2; echo "run.sh: build failed" >&2; exit 2; }
cp -r "$bin" "$work/plain" # uninstrumented, to replay findings outside afl-fuzz
dotnet sharpfuzz "$bin/Usrnet.dll" >"$work/instrument.log" 2>&1 \
  || { cat "$work/instrument.log" >&2; echo "run.sh: sharpfuzz could not instrument Usrnet.dll" >&2; exit 2; }
if ((${#targets[@]} == 0)); then
  mapfile -t targets < <("$bin/Usrnet.Fuzz" --list | awk '{print $1}')
fi

# The harness is not compiled by afl-cc: AFL must not look for its instrumentation in the binary
# (SharpFuzz writes the coverage map itself). The machine is shared: no CPU binding, no screen.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1
export AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_FORKSRV_INIT_TMOUT=60000
# Milliseconds one input may take before it is a hang; generous for a busy machine and the GC.
timeout_ms=2000

stat() { awk -F' *: *' -v k="$1" '$1 == k {print $2}' "$2"; }
total_execs=0 total_crashes=0 total_hangs=0 failed=0
printf '%-10s %12s %8s %8s %8s %8s %10s\n' target executions exec/s paths edges crashes hangs
for target in "${targets[@]}"; do
  corpus="$root/fuzz/corpus/$target"
  if [[ ! -d $corpus ]]; then
    echo "run.sh: no corpus for target '$target' ($corpus)" >&2
    exit 2
  fi
  out="$work/findings/$target"
  status=0
  nice -n 10 afl-fuzz -i "$corpus" -o "$out" -V "$seconds" -t "$timeout_ms" -m none -- "$bin/Usrnet.Fuzz" "$target" \
    >"$work/$target.log" 2>&1 || status=$?
  stats="$out/default/fuzzer_stats"
  if [[ ! -f $stats ]]; then
    tail -20 "$work/$target.log" >&2
    echo "run.sh: afl-fuzz did not start for $target (exit $status)" >&2
    exit 2
  fi
  execs=$(stat execs_done "$stats")
  crashes=$(stat saved_crashes "$stats")
  hangs=$(stat saved_hangs "$stats")
  printf '%-10s %12s %8s %8s %8s %8s %10s\n' "$target" "$execs" "$(stat execs_per_sec "$stats")" \
    "$(stat corpus_count "$stats")" "$(stat edges_found "$stats")" "$crashes" "$hangs"
  inputs=()
  for file in "$out"/default/crashes/id:* "$out"/default/hangs/id:*; do
    [[ -f $file ]] && inputs+=("$file")
  done
  if ((status != 0)); then
    # In-process fuzzing: an input that outlives the timeout or kills .NET ends afl-fuzz itself; the
    # input it was running is .cur_input.
    tail -5 "$work/$target.log" >&2
    echo "run.sh: afl-fuzz stopped early for $target (exit $status): counted as a hang" >&2
    hangs=$((hangs + 1))
    [[ -f $out/default/.cur_input ]] && inputs+=("$out/default/.cur_input")
  fi
  total_execs=$((total_execs + execs))
  total_crashes=$((total_crashes + crashes))
  total_hangs=$((total_hangs + hangs))
  if ((${#inputs[@]} > 0)); then
    failed=1
    mkdir -p "$findings/$target"
    for file in "${inputs[@]}"; do
      name=$(basename "$(dirname "$file")")-$(sha1sum "$file" | cut -c1-12)
      cp "$file" "$findings/$target/$name"
      echo "  $target finding $name: $(od -An -tx1 -v "$file" | tr -d ' \n')"
      echo "  reproduce: dotnet run --project fuzz/Usrnet.Fuzz -c Release -- $target ${findings#"$root"/}/$target/$name"
      "$work/plain/Usrnet.Fuzz" "$target" "$file" 2>&1 | grep -m 3 -E 'Exception|   at ' | sed 's/^/    /' || true
    done
  fi
done
printf '%-10s %12s %8s %8s %8s %8s %10s\n' total "$total_execs" - - - "$total_crashes" "$total_hangs"
if ((failed)); then
  echo "run.sh: findings copied to $findings" >&2
  exit 1
fi
