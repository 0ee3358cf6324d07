#!/usr/bin/env bash
# Builds tinyrange and runs the whole test suite with ctest.
# TR_SLOW_TESTS=1 adds the Linux boot tests (slow without hardware
# virtualization; they need scripts/build-kernel.sh to have run).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${TR_BUILD_DIR:-$root/build}
"$root/scripts/build.sh"
cd "$build"
ctest --output-on-failure --timeout 600 -j "$(nproc)" "$@"
