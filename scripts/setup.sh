#!/usr/bin/env bash
# Sets up tinyrange on a fresh Debian bookworm machine: installs the
# packages, builds, builds the minimal guest kernel, and runs the main job:
# `tr run` — resolve Debian packages, build their archives, boot that kernel
# in our VMM, install the packages in the guest and run a command.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${TR_BUILD_DIR:-$root/build}

"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
kernel_dir=$("$root/scripts/build-kernel.sh" | tail -n 1)

. "$root/scripts/kvm-check.sh"
run=("$build/cli/tr" run --kernel minimal --timeout 900 -p busybox -- busybox echo "hello from a tinyrange VM")
echo "setup: tr run: Debian's essential packages and busybox on $kernel_dir/vmlinux"
if kvm_runs_linux; then
  TR_MINIMAL_KERNEL_DIR=$kernel_dir exec "${run[@]}"
fi
# No /dev/kvm that runs Linux here: run it in the nested test bed, an outer
# VM with hardware virtualization under QEMU's emulator (docs/testing.md),
# about 100 times slower than on hardware.
echo "setup: $(kvm_why_not); running it in the nested test bed (scripts/nested-kvm.sh, slow)"
TR_MINIMAL_KERNEL_DIR=$kernel_dir exec "$root/scripts/nested-kvm.sh" "${run[@]}"
