#!/usr/bin/env bash
# The project's test command: installs the lab's peers, runs every test project of Usrnet.slnx, and
# ends with exactly one line "N passed, N failed" (", N skipped" when there are skips), summed over
# all projects from their TRX result files. Exits non-zero when a test failed or the build failed;
# a failed build or a crashed test host with no failing test still counts as 1 failed, so a broken
# run is never reported as "0 failed". Extra arguments go to dotnet test (e.g. --filter Lab).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

results=artifacts/test-results

if ! bash scripts/install-peers.sh; then
  if [[ ${CI:-} == true ]]; then
    echo "test.sh: the lab's peers are missing and CI=true (see scripts/install-peers.sh)" >&2
    echo "0 passed, 1 failed"
    exit 1
  fi
  echo "test.sh: continuing without all lab peers; the lab tests that need them will be skipped" >&2
fi

rm -rf "$results"
mkdir -p "$results"

# One TRX per test project (default names are unique per run); the console logger keeps the log readable.
dotnet test Usrnet.slnx --logger trx --logger "console;verbosity=normal" --results-directory "$results" "$@" \
  2>&1 | tee "$results/console.log"
status=${PIPESTATUS[0]}
# vstest prints this once per test assembly it runs: each must have left a TRX file.
runs=$(grep -c '^Test run for ' "$results/console.log")

passed=0
failed=0
skipped=0
projects=0
# Each test's <UnitTestResult ... outcome="X"> in the TRX files: Passed, Failed, NotExecuted (skipped;
# the <Counters> element does not count skips), or Error/Timeout/Aborted, which count as failed.
shopt -s nullglob
for trx in "$results"/*.trx; do
  projects=$((projects + 1))
  while read -r outcome; do
    case $outcome in
      Passed) passed=$((passed + 1)) ;;
      NotExecuted) skipped=$((skipped + 1)) ;;
      *) failed=$((failed + 1)) ;;
    esac
  done < <(grep -o '<UnitTestResult [^>]*>' "$trx" | sed -n 's/.* outcome="\([A-Za-z]*\)".*/\1/p')
done

if ((projects < runs)); then
  echo "test.sh: $runs test assemblies ran but only $projects TRX files were written; counted as 1 failed" >&2
  failed=$((failed + 1))
fi
if ((status != 0 && failed == 0)); then
  if ((projects == 0)); then
    echo "test.sh: dotnet test failed (exit $status) before any test ran: see the build errors above" >&2
  else
    echo "test.sh: dotnet test failed (exit $status) with no failing test: a build error or a crashed test host; counted as 1 failed" >&2
  fi
  failed=$((failed + 1))
elif ((status == 0 && projects == 0)); then
  echo "test.sh: no test results were written to $results" >&2
  failed=1
fi

summary="$passed passed, $failed failed"
if ((skipped > 0)); then
  summary+=", $skipped skipped"
fi
echo "$summary"
((failed == 0))
