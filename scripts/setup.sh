#!/usr/bin/env bash
# Sets up tinyrange on a fresh Debian bookworm machine: installs the
# packages, builds, builds the minimal guest kernel, and runs the main job:
# boot that kernel in our VMM and run a command under guest-init.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${TR_BUILD_DIR:-$root/build}

"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
kernel_dir=$("$root/scripts/build-kernel.sh" | tail -n 1)

echo "setup: booting $kernel_dir/vmlinux with guest-init"
"$build/cli/tr" vm --kernel "$kernel_dir/vmlinux" \
  --file /bin/busybox:/bin/busybox \
  -- /bin/busybox echo "hello from a tinyrange VM"
