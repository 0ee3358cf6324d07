#!/usr/bin/env bash
# The embedding example against libtinyrange (networked: the Debian mirror
# from the apt sources). Where /dev/kvm is usable, the command runs and its
# output and status come back; elsewhere the library must report why the VM
# did not start, without exiting the program. Usage: run_command_test.sh EXAMPLE
set -euo pipefail
example=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_CACHE_HOME=$work/cache
fail() { echo "FAIL: $*" >&2; exit 1; }
. "$(dirname "$0")/../../scripts/kvm-check.sh"

# scripts/test.sh runs this test where /dev/kvm runs Linux, or in the
# nested test bed (scripts/nested-kvm.sh); run by hand elsewhere, it checks
# the library's failure path and says loudly that no VM ran.
if kvm_runs_linux; then
  # One static busybox: no install scripts (Debian's need the base set).
  out=$("$example" --base none busybox-static -- busybox sh -c 'echo to-stdout; echo to-stderr >&2; exit 3' \
    2>"$work/err" </dev/null) && rc=0 || rc=$?
  [ $rc -eq 3 ] || fail "status $rc, expected 3: $(cat "$work/err")"
  [ "$out" = to-stdout ] || fail "stdout: $out"
  grep -q '^to-stderr' "$work/err" || fail "stderr: $(cat "$work/err")"
  grep -q '"exit_status":3' "$work/err" || fail "result record: $(cat "$work/err")"
  out=$(printf 'one\ntwo\n' | "$example" --base none busybox-static -- busybox wc -l) || fail "wc -l failed"
  [ "$out" = 2 ] || fail "stdin did not reach the command, or did not end: $out"
else
  printf 'not booted' > "$work/kernel"
  "$example" --kernel "$work/kernel" --base none dash busybox -- busybox true 2>"$work/err" && rc=0 || rc=$?
  [ $rc -eq 250 ] || fail "without /dev/kvm: status $rc: $(cat "$work/err")"
  grep -q "the VM did not run: /dev/kvm" "$work/err" || fail "no reason given: $(cat "$work/err")"
  grep -q '"stop":"not-started"' "$work/err" || fail "no result record: $(cat "$work/err")"
  # A request that cannot be prepared is reported, not fatal to the program.
  "$example" --kernel "$work/kernel" --base none no-such-package-tr-test -- true 2>"$work/err" && fail "accepted"
  grep -q '"stop":"not-started"' "$work/err" && grep -q 'no-such-package-tr-test' "$work/err" || fail "bad request: $(cat "$work/err")"
  "$example" 2>/dev/null && fail "no arguments accepted"
  echo "SKIPPED LOUDLY: $(kvm_why_not); only the library's failure path was tested, no VM ran"
  exit 77
fi
"$example" 2>/dev/null && fail "no arguments accepted"
echo "run_command_test: ok"
