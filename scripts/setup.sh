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

echo "setup: tr run: Debian's essential packages and busybox on $kernel_dir/vmlinux"
status=0
TR_MINIMAL_KERNEL_DIR=$kernel_dir "$build/cli/tr" run --kernel minimal --timeout 900 -p busybox \
  -- busybox echo "hello from a tinyrange VM" || status=$?
if [ "$status" -eq 0 ]; then
  exit 0
fi
if [ -e /sys/module/kvm_pvm ]; then
  # A nested kvm_pvm hypervisor emulates guest kernel code and cannot run a
  # stock kernel's system calls (docs/kernel.md): Linux boots to /init and
  # then its first system call faults. Show the VMM working with the
  # freestanding test guest instead, and say so.
  echo "setup: this machine's /dev/kvm is kvm_pvm, which cannot run a stock Linux user space;"
  echo "setup: on hardware virtualization the command above prints its line. Checking the VMM"
  echo "setup: with the freestanding test guest instead:"
  exec "$build/cli/tr" vm --kernel "$build/tests/guests/test-guest-pvh" --no-default-cmdline --append test=hello
fi
exit "$status"
