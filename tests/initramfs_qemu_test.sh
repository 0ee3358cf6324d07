#!/usr/bin/env bash
# Slow, networked: the Tinkie/LinuxKit artifact — Debian's cloud kernel and
# an initramfs, both made by `tr build` — boots under QEMU (TCG, so no KVM
# is needed) and runs the initramfs's /init. Runs only with TR_SLOW_TESTS=1.
# Usage: initramfs_qemu_test.sh PATH/TO/tr
set -euo pipefail
tr_bin=$1
if [ "${TR_SLOW_TESTS:-}" != 1 ]; then
  echo "SKIPPED LOUDLY: set TR_SLOW_TESTS=1 to boot a tr-built kernel and initramfs under QEMU"
  exit 77  # ctest's SKIP_RETURN_CODE: reported as skipped, not passed
fi
command -v qemu-system-x86_64 >/dev/null || { echo "FAIL: needs qemu-system-x86_64" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat > "$work/build.star" <<'STAR'
load("@std/debian.star", "debian")
bookworm = debian("bookworm")

INIT = """#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox echo "tr-initramfs: $(/bin/busybox uname -r) up"
/bin/busybox poweroff -f
"""

initramfs = define.build_fs([
    bookworm.plan(["busybox"]),
    directive.add_file("init", contents = INIT, mode = 0o755),
    directive.add_file("proc/.keep", contents = ""),
], kind = "initramfs")

kernel_plan = bookworm.plan(["linux-image-cloud-amd64"])
STAR
"$tr_bin" build "$work/build.star:initramfs" -o "$work/initrd.gz" >/dev/null
plan=$("$tr_bin" build "$work/build.star:kernel_plan")
# The versioned kernel package of the plan; its vmlinuz, extracted by tr.
read -r kver url sha256 < <(python3 - "$plan/plan.json" <<'PY'
import json, sys
for p in json.load(open(sys.argv[1]))["packages"]:
    name = p["name"]
    if name.startswith("linux-image-") and name != "linux-image-cloud-amd64" and name.endswith("-cloud-amd64"):
        print(name[len("linux-image-"):], p["url"], p["checksum"].removeprefix("sha256:"))
PY
)
[ -n "${kver:-}" ] || { echo "FAIL: no kernel package in the plan" >&2; exit 1; }
cat >> "$work/build.star" <<STAR
vmlinuz = define.extract_file(
    define.read_archive(define.fetch_http("$url", sha256 = "$sha256"), format = "deb"),
    "boot/vmlinuz-$kver",
)
STAR
"$tr_bin" build "$work/build.star:vmlinuz" -o "$work/vmlinuz" >/dev/null
out=$(timeout 600 qemu-system-x86_64 -machine q35 -accel tcg -m 512 -nographic -no-reboot \
  -kernel "$work/vmlinuz" -initrd "$work/initrd.gz" -append "console=ttyS0 panic=-1 quiet" 2>&1 || true)
if ! grep -q "tr-initramfs: $kver up" <<<"$out"; then
  echo "FAIL: the initramfs did not run /init; QEMU said:" >&2
  tail -30 <<<"$out" >&2
  exit 1
fi
echo "initramfs_qemu_test: ok ($kver booted the tr-built initramfs)"
