#!/usr/bin/env bash
# VMM overhead, side by side with QEMU (-M microvm) in one run.
#
# Boots the freestanding test guest (tests/guests, PVH ELF) with
# `test=exit`: it writes its exit status at once. Reports
#  - wall time from process start to exit, ours and QEMU's, and the ratio;
#  - our time from process start to the guest's first instruction (the
#    guest writes boot marker 10 first thing) and setup time;
#  - our resident memory outside guest RAM.
# QEMU gets an isa-debug-exit device on the same port, so it ends the same
# way. QEMU keeps its default CPU model: `-cpu host` fails on nested
# hypervisors that refuse some host MSRs. Usage: bench/vm_boot.sh [RUNS]   (needs hyperfine and qemu-system-x86)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${TR_BUILD_DIR:-$root/build}
runs=${1:-20}
tr_bin=$build/cli/tr
guest=$build/tests/guests/test-guest-pvh
[ -x "$tr_bin" ] && [ -f "$guest" ] || { echo "build first: scripts/build.sh" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install hyperfine)" >&2; exit 1; }

ours="$tr_bin vm --kernel $guest --memory 128 --no-default-cmdline --append 'test=exit status=0'"
# isa-debug-exit turns a write of N into exit status (N << 1) | 1.
qemu="qemu-system-x86_64 -M microvm -enable-kvm -m 128 -smp 1 -nodefaults -no-user-config \
-display none -serial none -kernel $guest -append 'test=exit status=0' \
-device isa-debug-exit,iobase=0x5f0,iosize=4"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
hyperfine --warmup 2 --runs "$runs" -N -i --export-json "$out/h.json" \
  -n tinyrange "$ours" -n qemu-microvm "$qemu" >&2

python3 - "$out/h.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
ours, qemu = r["tinyrange"]["mean"], r["qemu-microvm"]["mean"]
print(f"| wall time to exit (mean) | {ours*1000:.2f} ms | {qemu*1000:.2f} ms | {ours/qemu:.3f} |")
PY

# Our own breakdown, from --stats, over the same runs.
first=(); setup=(); rss=()
for _ in $(seq "$runs"); do
  s=$("$tr_bin" vm --kernel "$guest" --memory 128 --no-default-cmdline --append 'test=exit status=0' --stats 2>&1 >/dev/null)
  first+=("$(sed -n 's/.*boot mark 10 at \([0-9.]*\) ms.*/\1/p' <<<"$s")")
  setup+=("$(sed -n 's/.*setup \([0-9.]*\) ms.*/\1/p' <<<"$s")")
  rss+=("$(sed -n 's/.*resident memory \([0-9.]*\) MiB.*/\1/p' <<<"$s")")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "| process start to guest's first instruction (median) | $(median "${first[@]}") ms | | |"
echo "| VM setup before vCPUs start (median) | $(median "${setup[@]}") ms | | |"
echo "| VMM resident memory excluding guest RAM (median) | $(median "${rss[@]}") MiB | | |"
