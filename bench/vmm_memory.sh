#!/usr/bin/env bash
# The VMM's resident memory (outside guest RAM) while it runs a Linux guest
# with every device: Debian's cloud kernel through `tr run`'s plan for a
# one-package root (busybox-static) with the archive disk, an ext4
# --storage disk, virtio-net with a published port, a virtio-fs share and
# the input port, against the freestanding test guest with none of them.
# Both are read by `tr vm --stats` from /proc/self/smaps as the VM ends.
# Usage: bench/vmm_memory.sh [RUNS]   (needs a /dev/kvm that runs Linux:
# scripts/nested-kvm.sh bench/vmm_memory.sh elsewhere)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${TR_BUILD_DIR:-$root/build}
runs=${1:-5}
tr_bin=$build/cli/tr
[ -x "$tr_bin" ] || { echo "build first: scripts/build.sh" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_CACHE_HOME=${TR_BENCH_CACHE:-$work/xdg}
mkdir -p "$work/share"

"$tr_bin" run --base none -p busybox-static --net --publish 18090:80 --share "$work/share" --storage 256 \
  --print-plan -- busybox sh -c 'echo x > out.txt; busybox cat /proc/meminfo > /dev/null' < /dev/null > "$work/plan.json"
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
rss_of() {  # TR-VM-ARGS...
  local values=() s
  for _ in $(seq "$runs"); do
    s=$("$tr_bin" vm "$@" --stats 2>&1 < /dev/null > /dev/null || true)
    values+=("$(sed -n 's/.*resident memory \([0-9.]*\) MiB.*/\1/p' <<< "$s")")
  done
  median "${values[@]}"
}
linux=$(rss_of --plan "$work/plan.json")
freestanding=$(rss_of --kernel "$build/tests/guests/test-guest-pvh" --memory 128 --no-default-cmdline --append 'test=exit status=0')
echo "| VMM resident memory excluding guest RAM (median of $runs) | MiB |"
echo "|---|---|"
echo "| Debian cloud kernel, archive disk, --storage, virtio-net + published port, virtio-fs, input port | $linux |"
echo "| freestanding test guest, no devices | $freestanding |"
