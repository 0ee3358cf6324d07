#!/usr/bin/env bash
# scripts/nested-kvm.sh itself: the command's status and its stdout and
# stderr apart, the read-write shares (a file made inside is on the host),
# and the reasons it gives when it cannot run a command (no QEMU, a CPU
# without AMD-V). Boots two outer VMs under QEMU's emulator; needs no KVM.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
nested=$here/../scripts/nested-kvm.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# No QEMU on PATH: 125 and what to install.
mkdir "$work/bin"
ln -s "$(command -v dirname)" "$work/bin/dirname"
rc=0
PATH=$work/bin /bin/bash "$nested" true > "$work/out" 2> "$work/err" || rc=$?
[ "$rc" -eq 125 ] || fail "without qemu: status $rc: $(cat "$work/err")"
grep -q "qemu-system-x86_64 is not installed (apt-get install qemu-system-x86" "$work/err" ||
  fail "without qemu: $(cat "$work/err")"

# A command: its status, its streams apart and byte-exact, its directory,
# a file it makes in a read-write share, and a /dev/kvm that is real KVM.
mkdir "$work/rw"
rc=0
(cd "$work/rw" && TR_NESTED_RW=$work/rw "$nested" sh -c \
  'printf "out\r\n"; echo err >&2; pwd; [ -c /dev/kvm ] && grep -qw svm /proc/cpuinfo && echo kvm; echo made > inside.txt; exit 7') \
  > "$work/out" 2> "$work/err" || rc=$?
[ "$rc" -eq 7 ] || fail "the command's status 7 came back as $rc: $(cat "$work/err")"
[ "$(head -c 5 "$work/out" | od -An -c | tr -d ' ')" = 'out\r\n' ] || fail "stdout: $(od -c "$work/out")"
grep -qxF "$work/rw" "$work/out" || fail "the command did not run in the same directory: $(cat "$work/out")"
grep -qx kvm "$work/out" || fail "no /dev/kvm with svm in the outer VM: $(cat "$work/out" "$work/err")"
[ "$(cat "$work/err")" = err ] || fail "stderr: $(cat "$work/err")"
[ "$(cat "$work/rw/inside.txt")" = made ] || fail "a file made in a read-write share did not reach the host"

# A CPU without AMD-V: 125, and why.
rc=0
TR_NESTED_CPU=qemu64,-svm "$nested" true > "$work/out" 2> "$work/err" || rc=$?
[ "$rc" -eq 125 ] || fail "without AMD-V: status $rc: $(cat "$work/err")"
grep -q "the outer VM's CPU has no svm flag" "$work/err" || fail "without AMD-V: $(cat "$work/err")"
echo "nested_kvm_test: ok"
