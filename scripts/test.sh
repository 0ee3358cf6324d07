#!/usr/bin/env bash
# Builds tinyrange and runs the whole test suite with ctest.
#
# The VM tests (ctest label "kvm") need a /dev/kvm that can run Linux. Where
# this machine's cannot (none, or the nested kvm_pvm), they run in the
# nested test bed instead: scripts/nested-kvm.sh boots an outer VM with a
# hardware-virtualization /dev/kvm and runs them there (docs/testing.md);
# the rest runs here first. Arguments go to every ctest run (e.g. -R NAME).
# TR_SLOW_TESTS=1 adds the slow tests (Linux boots with the minimal kernel
# from scripts/build-kernel.sh, the QEMU comparisons), in the same places.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${TR_BUILD_DIR:-$root/build}
. "$root/scripts/kvm-check.sh"
"$root/scripts/build.sh"
cd "$build"

passed=0
failed=0
# Runs ctest, shows its output, and adds its summary to the totals.
run_ctest() {  # RUNNER... -- CTEST-ARGS...
  local runner=() log status=0
  while [ "$1" != -- ]; do runner+=("$1"); shift; done
  shift
  log=$(mktemp)
  "${runner[@]}" ctest --output-on-failure --timeout 1800 -j "$(nproc)" "$@" 2>&1 | tee "$log" || status=$?
  local summary
  summary=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1 || true)
  rm -f "$log"
  if [ -z "$summary" ]; then
    echo "test: this ctest run printed no summary (status $status)"
    failed=$((failed + 1))
    return
  fi
  local total fail
  total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<< "$summary")
  fail=$(sed -E 's/.* ([0-9]+) tests? failed.*/\1/' <<< "$summary")
  passed=$((passed + total - fail))
  failed=$((failed + fail))
  [ "$status" -eq 0 ] || [ "$fail" -gt 0 ] || failed=$((failed + 1))
}

# The slow tests (label "slow") only with TR_SLOW_TESTS=1; without it they
# are left out, not reported as passed or skipped.
slow=1
[ "${TR_SLOW_TESTS:-}" = 1 ] || slow=0
if kvm_runs_linux; then
  if [ "$slow" = 1 ]; then run_ctest -- "$@"; else run_ctest -- -LE slow "$@"; fi
else
  echo "test: $(kvm_why_not): the VM tests (label kvm) run in the nested test bed, scripts/nested-kvm.sh"
  if [ "$slow" = 1 ]; then run_ctest -- -LE kvm "$@"; else run_ctest -- -LE 'kvm|slow' "$@"; fi
  # One outer VM for all of them: its boot costs seconds. Inside it, ctest
  # runs one test at a time (the inner VMs are emulated and share 2 CPUs).
  if [ "$slow" = 1 ]; then
    TR_NESTED_TIMEOUT=${TR_NESTED_TIMEOUT:-3000} run_ctest "$root/scripts/nested-kvm.sh" -- -L kvm "$@" -j 1
  else
    TR_NESTED_TIMEOUT=${TR_NESTED_TIMEOUT:-3000} run_ctest "$root/scripts/nested-kvm.sh" -- -L kvm -LE slow "$@" -j 1
  fi
fi
echo "test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
