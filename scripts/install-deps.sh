#!/usr/bin/env bash
# Installs the Debian bookworm packages tinyrange needs to build, test and
# run. Idempotent: packages already present are left alone.
set -euo pipefail

packages=(
  # toolchain and build
  build-essential cmake ninja-build pkg-config binutils
  # libraries
  libgmp-dev libsimdjson-dev libarchive-dev libcurl4-openssl-dev nlohmann-json3-dev libfdt-dev libcxxopts-dev
  libgtest-dev libgmock-dev libssl-dev libzstd-dev liblzma-dev zlib1g-dev liblz4-dev libslirp-dev linux-libc-dev
  # package repositories: signatures checked with gpgv against Debian's
  # keyring; tests sign their own with gpg and compress with the real tools
  gpgv gpg debian-archive-keyring xz-utils bzip2 zstd
  # ACPI table tests disassemble with iasl
  acpica-tools
  # fuzzing: clang with libFuzzer and the sanitizer runtimes
  clang libclang-rt-14-dev
  # the minimal guest kernel (scripts/build-kernel.sh)
  linux-source-6.1 flex bison bc libelf-dev xz-utils zstd
  # a static busybox for the guest in the main job and the slow tests
  busybox-static
  # guest-init is linked against musl when available: 50 KB instead of 700 KB
  musl-tools
  # filesystem outputs: ext4 images are made with mke2fs and debugfs
  e2fsprogs
  # benchmarks: the reference VMM, a timing tool, and Debian's own root
  # filesystem builder to compare `tr build` with
  qemu-system-x86 hyperfine mmdebstrap
  # tests: root filesystem tarballs must go into podman (podman import)
  podman
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi
echo "install-deps: installing ${missing[*]}"
"${sudo[@]}" apt-get update -q
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
