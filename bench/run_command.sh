#!/usr/bin/env bash
# `tr run` end to end, in one run:
#  1. phase timings (tr run --json) of a cold and a warm run of busybox and
#     of build-essential: prepare (plan, fetch, convert), boot, unpack,
#     install scripts, command;
#  2. side by side, warm: `tr run -p busybox -- true` against QEMU
#     (-M microvm, KVM) booting the same kernel with the same guest-init
#     initramfs and the same archives (the disk image tr hands the guest,
#     written out as one file), and against the same root in an unshare
#     chroot (no VM: the floor). Reported as ratios.
# Targets (docs/benchmarks.md): warm wall time <= 150 ms with the minimal
# kernel on hardware virtualization, <= 0.5x QEMU's everywhere, and warm
# host-side overhead (everything outside the guest) <= 20 ms.
# Usage: bench/run_command.sh [KERNEL] [RUNS] [PACKAGES]
#   KERNEL: minimal (default; built by scripts/build-kernel.sh) or debian
#   PACKAGES: whose cold and warm phases to time (default
#   "busybox build-essential"; in the nested test bed, where a cold
#   build-essential takes many minutes, "busybox")
# Needs /dev/kvm, hyperfine, qemu-system-x86_64 and python3.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${TR_BUILD_DIR:-$root/build}
kernel=${1:-minimal}
runs=${2:-10}
read -r -a phase_packages <<< "${3:-busybox build-essential}"
tr_bin=$build/cli/tr
trfrag="python3 $root/tests/support/trfrag.py"
[ -x "$tr_bin" ] || { echo "build first: scripts/build.sh" >&2; exit 1; }
for tool in hyperfine qemu-system-x86_64 python3 unshare; do
  command -v $tool >/dev/null || { echo "needs $tool" >&2; exit 1; }
done
if ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then
  echo "bench/run_command.sh: needs a usable /dev/kvm (tr run and QEMU both run on KVM here)" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_CACHE_HOME=$work/xdg

phase_row() {  # LABEL JSON
  python3 - "$1" "$2" <<'PY'
import json, sys
label, record = sys.argv[1], json.loads(sys.argv[2])
t = record["timings_ms"]
cols = ["prepare", "plan", "fetch", "convert", "boot", "unpack", "scripts", "command", "total"]
print(f"| {label} | " + " | ".join(f"{t[c]:.0f}" if c in t else "-" for c in cols) +
      f" | {record['post_install_state']} |")
PY
}

echo "## Phases (ms), kernel: $kernel"
echo
echo "| run | prepare | plan | fetch | convert | boot | unpack | scripts | command | total | post-install state |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for pkg in "${phase_packages[@]}"; do
  for temperature in cold warm; do
    record=$("$tr_bin" run --kernel "$kernel" -p "$pkg" --json -- true 2>&1 >/dev/null | tail -n 1)
    phase_row "$pkg $temperature" "$record"
  done
done

# The warm VM as tr prepares it, for QEMU: kernel, guest-init's initramfs,
# the archive disk written out as one file.
"$tr_bin" run --kernel "$kernel" -p busybox --print-plan -- true > "$work/plan.json"
"$tr_bin" vm --plan "$work/plan.json" --write-initrd "$work/initrd.cpio"
mapfile -t parts < <(python3 -c '
import json, sys
plan = json.load(open(sys.argv[1]))
print(plan["kernel"])
for part in plan["disks"][0]["parts"]: print(part)' "$work/plan.json")
$trfrag disk "$work/archives.img" "${parts[@]:1}"
qemu="qemu-system-x86_64 -M microvm,acpi=on -accel kvm -cpu host -m 512 -nographic -no-reboot \
  -kernel ${parts[0]} -initrd $work/initrd.cpio -append 'console=ttyS0 reboot=k panic=-1 quiet' \
  -drive id=a,file=$work/archives.img,format=raw,if=none,readonly=on -device virtio-blk-device,drive=a,serial=tr-archives \
  -device virtio-serial-device -chardev null,id=hvc -device virtconsole,chardev=hvc"

# The same root for a chroot: every archive unpacked by a tr build.
cat > "$work/root.star" <<'STAR'
load("@std/debian.star", "debian")
root = debian("bookworm").rootfs(["busybox"], base = "essential")
STAR
"$tr_bin" build "$work/root.star:root" -o "$work/root.tar" >/dev/null
mkdir "$work/root" && tar -xf "$work/root.tar" -C "$work/root"

echo
echo "## Warm run of busybox, side by side"
echo
hyperfine --warmup 2 --runs "$runs" --export-json "$work/side.json" \
  -n "tr run" "$tr_bin run --kernel $kernel -p busybox -- true" \
  -n "qemu microvm" "$qemu </dev/null >/dev/null" \
  -n "unshare chroot" "unshare --map-root-user --root=$work/root /bin/true" >/dev/null
python3 - "$work/side.json" <<'PY'
import json, sys
results = {r["command"]: r["mean"] * 1000 for r in json.load(open(sys.argv[1]))["results"]}
ours = results["tr run"]
print("| | mean ms | tr run / this |")
print("|---|---|---|")
for name, ms in results.items():
    print(f"| {name} | {ms:.1f} | {ours / ms:.2f}x |")
PY
record=$("$tr_bin" run --kernel "$kernel" -p busybox --json -- true 2>&1 >/dev/null | tail -n 1)
python3 - "$record" <<'PY'
import json, sys
t = json.loads(sys.argv[1])["timings_ms"]
print()
print(f"host side before the VM starts (tr start, plan from the cache, archive disk, post-install state): "
      f"{t['prepare']:.1f} ms of {t['total']:.1f} ms")
PY
