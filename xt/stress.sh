#!/usr/bin/env bash
# Runs the test suite N times in a row under -j2 with the machine kept busy
# by CPU burners beside it, to catch tests that depend on scheduling.
#   xt/stress.sh [N=20] [BURNERS=2]
# Stops at the first failing run and keeps its output in /tmp/stress-fail.log.
set -u
cd "$(dirname "$0")/.."
n=${1:-20}
burners=${2:-2}
pids=()
for _ in $(seq "$burners"); do
  perl -e '1 while 1' & pids+=($!)
done
trap 'kill "${pids[@]}" 2>/dev/null' EXIT
make >/dev/null || exit 1
for i in $(seq "$n"); do
  start=$(date +%s)
  if prove -b -j2 t >/tmp/stress-run.log 2>&1; then
    echo "run $i/$n: PASS ($(( $(date +%s) - start )) s)"
  else
    cp /tmp/stress-run.log /tmp/stress-fail.log
    echo "run $i/$n: FAIL ($(( $(date +%s) - start )) s), see /tmp/stress-fail.log"
    grep -E "^(t/|#   Failed|Failed)" /tmp/stress-fail.log | grep -v " ok$" | head -20
    exit 1
  fi
done
echo "all $n runs passed"
