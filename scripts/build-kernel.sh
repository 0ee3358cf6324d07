#!/usr/bin/env bash
# Build tinyrange's minimal guest kernel (kernel-config/minimal.config) from
# Debian's linux-source-6.1 package into the tinyrange cache:
#
#   ${XDG_CACHE_HOME:-$HOME/.cache}/tinyrange/kernels/minimal-<key>/
#     vmlinux         ELF, symbols stripped, PVH entry note kept
#     bzImage         compressed image for the Linux 64-bit boot protocol
#     config          the complete .config the kernel was built with
#     System.map      symbol addresses (vmlinux itself has no symbols)
#     build-info.txt  what went in, and checksums of what came out
#     build.log       output of the configuration and build steps
#
# <key> is the first 16 hex digits of the SHA-256 of: the fragment's bytes,
# a NUL, the source identity (the linux-source-6.1 package version, or
# "sha256:<digest>" of a tarball given with --source), a NUL, and this
# script's bytes. An existing complete directory is reused as is. The
# directory is assembled under a temporary name and renamed into place, and
# a lock file beside it keeps concurrent invocations from building twice.
#
# The last line on stdout is the output directory; progress goes to stderr.
# See docs/kernel.md.

set -euo pipefail

readonly PACKAGE=linux-source-6.1
readonly DEFAULT_SOURCE=/usr/src/linux-source-6.1.tar.xz
readonly NAME=minimal
readonly ARCH_NAME=x86_64

SCRIPT_PATH=$(readlink -f -- "${BASH_SOURCE[0]}")
readonly SCRIPT_PATH
REPO_ROOT=$(dirname -- "$(dirname -- "$SCRIPT_PATH")")
readonly REPO_ROOT
readonly FRAGMENT="$REPO_ROOT/kernel-config/$NAME.config"

usage() {
  cat <<EOF
Usage: $(basename -- "$0") [options]

Build the tinyrange minimal guest kernel into the cache (or reuse it) and
print the output directory as the last line on stdout.

Options:
  --print-path      print the output directory; exit 0 if it is built, 1 if not
  --jobs N          parallel make jobs (default: nproc)
  --source TARBALL  kernel source tarball (default: $DEFAULT_SOURCE,
                    from the Debian package $PACKAGE)
  --verbose         show the build output (on stderr) instead of only logging it
  -h, --help        show this help
EOF
}

log() { printf 'build-kernel: %s\n' "$*" >&2; }
die() {
  printf 'build-kernel: error: %s\n' "$*" >&2
  exit 2
}

print_path=0
verbose=0
jobs=""
source_tarball=""

while (($# > 0)); do
  case "$1" in
    --print-path) print_path=1 ;;
    --verbose) verbose=1 ;;
    --jobs)
      (($# >= 2)) || die "--jobs needs a value"
      jobs=$2
      shift
      ;;
    --jobs=*) jobs=${1#--jobs=} ;;
    --source)
      (($# >= 2)) || die "--source needs a value"
      source_tarball=$2
      shift
      ;;
    --source=*) source_tarball=${1#--source=} ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      usage >&2
      die "unknown argument: $1"
      ;;
  esac
  shift
done

if [[ -z "$jobs" ]]; then
  jobs=$(nproc 2>/dev/null || echo 1)
fi
[[ "$jobs" =~ ^[1-9][0-9]*$ ]] || die "--jobs must be a positive integer, got '$jobs'"

[[ -f "$FRAGMENT" ]] || die "config fragment not found: $FRAGMENT"

# --- Identify the source -----------------------------------------------------

if [[ -n "$source_tarball" ]]; then
  [[ -f "$source_tarball" ]] || die "source tarball not found: $source_tarball"
  source_tarball=$(readlink -f -- "$source_tarball")
fi

if [[ -z "$source_tarball" || "$source_tarball" == "$DEFAULT_SOURCE" ]]; then
  source_tarball=$DEFAULT_SOURCE
  install_hint="install it with: sudo apt-get install $PACKAGE (or pass --source TARBALL)"
  command -v dpkg-query >/dev/null 2>&1 ||
    die "dpkg-query not found; the default kernel source is Debian's $PACKAGE package. Pass --source TARBALL instead."
  if ! source_version=$(dpkg-query -W -f='${db:Status-Status} ${Version}' "$PACKAGE" 2>/dev/null) ||
    [[ "$source_version" != installed\ * ]]; then
    die "the Debian package $PACKAGE is not installed; $install_hint"
  fi
  source_version=${source_version#installed }
  [[ -f "$source_tarball" ]] ||
    die "$PACKAGE $source_version is installed but $source_tarball is missing; reinstall it with: sudo apt-get install --reinstall $PACKAGE"
  source_id=$source_version
  source_desc="$PACKAGE $source_version ($source_tarball)"
else
  log "hashing $source_tarball"
  source_digest=$(sha256sum -- "$source_tarball")
  source_id="sha256:${source_digest%% *}"
  source_desc="$source_tarball ($source_id)"
fi

key=$({
  cat -- "$FRAGMENT"
  printf '\0%s\0' "$source_id"
  cat -- "$SCRIPT_PATH"
} | sha256sum)
key=${key:0:16}

cache_root=${XDG_CACHE_HOME:-}
if [[ -z "$cache_root" ]]; then
  [[ -n "${HOME:-}" ]] || die "neither XDG_CACHE_HOME nor HOME is set"
  cache_root="$HOME/.cache"
fi
kernels_dir="$cache_root/tinyrange/kernels"
out_dir="$kernels_dir/$NAME-$key"
lock_file="$kernels_dir/$NAME-$key.lock"
log_file="$kernels_dir/$NAME-$key.log"

readonly OUTPUT_FILES=(vmlinux bzImage config System.map build-info.txt)

is_complete() {
  local f
  [[ -d "$out_dir" ]] || return 1
  for f in "${OUTPUT_FILES[@]}"; do
    [[ -s "$out_dir/$f" ]] || return 1
  done
}

if ((print_path)); then
  printf '%s\n' "$out_dir"
  is_complete && exit 0
  exit 1
fi

if is_complete; then
  printf '%s\n' "$out_dir"
  exit 0
fi

# --- Check the tools before taking the lock ----------------------------------

missing_pkgs=()
need_tool() { # need_tool COMMAND DEBIAN_PACKAGE
  command -v "$1" >/dev/null 2>&1 || missing_pkgs+=("$2")
}
need_tool make make
need_tool gcc gcc
need_tool ld binutils
need_tool readelf binutils
need_tool strip binutils
need_tool flex flex
need_tool bison bison
need_tool bc bc
need_tool perl perl
need_tool flock util-linux
need_tool zstd zstd
case "$source_tarball" in
  *.xz | *.txz) need_tool xz xz-utils ;;
  *.zst) need_tool zstd zstd ;;
  *.bz2) need_tool bzip2 bzip2 ;;
  *.gz | *.tgz) need_tool gzip gzip ;;
esac
# objtool links against libelf.
[[ -f /usr/include/gelf.h ]] || missing_pkgs+=(libelf-dev)
if ((${#missing_pkgs[@]} > 0)); then
  mapfile -t missing_pkgs < <(printf '%s\n' "${missing_pkgs[@]}" | sort -u)
  die "missing build tools; install them with: sudo apt-get install ${missing_pkgs[*]}"
fi

# --- Lock, then build --------------------------------------------------------

mkdir -p -- "$kernels_dir"
exec {lock_fd}>"$lock_file"
if ! flock -n "$lock_fd"; then
  log "another build of $NAME-$key is running; waiting for it"
  flock "$lock_fd"
fi

if is_complete; then
  printf '%s\n' "$out_dir"
  exit 0
fi

build_dir=""
stage_dir=""
cleanup() {
  [[ -n "$build_dir" ]] && rm -rf -- "$build_dir"
  [[ -n "$stage_dir" ]] && rm -rf -- "$stage_dir"
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# We hold the lock, so any leftovers under this key are from a killed run.
rm -rf -- "$kernels_dir/.build-$NAME-$key".* "$kernels_dir/.$NAME-$key".tmp.*
if [[ -e "$out_dir" ]]; then
  log "removing incomplete $out_dir"
  rm -rf -- "$out_dir"
fi

build_dir=$(mktemp -d "$kernels_dir/.build-$NAME-$key.XXXXXX")
stage_dir=$(mktemp -d "$kernels_dir/.$NAME-$key.tmp.XXXXXX")
: >"$log_file"

# Run a command with its output in the log (and on stderr with --verbose).
run() {
  printf '+ %s\n' "$*" >>"$log_file"
  if ((verbose)); then
    "$@" 2>&1 | tee -a -- "$log_file" >&2
  else
    "$@" >>"$log_file" 2>&1
  fi
}

fail() {
  printf 'build-kernel: error: %s\n' "$*" >&2
  if [[ -s "$log_file" ]]; then
    printf 'build-kernel: build log: %s (last 40 lines follow)\n' "$log_file" >&2
    tail -n 40 -- "$log_file" >&2
  fi
  exit 1
}

start_seconds=$SECONDS
log "building $NAME-$key from $source_desc with $jobs jobs"
log "log: $log_file"

# A clean, reproducible environment for kbuild.
unset KBUILD_OUTPUT KBUILD_EXTMOD KCONFIG_CONFIG KCONFIG_ALLCONFIG KCFLAGS KCPPFLAGS \
  KAFLAGS KRUSTFLAGS CROSS_COMPILE LLVM LLVM_IAS LOCALVERSION ARCH SUBARCH \
  MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES GNUMAKEFLAGS
export LC_ALL=C TZ=UTC

log "unpacking the source"
run tar -xf "$source_tarball" -C "$build_dir" --strip-components=1 --no-same-owner ||
  fail "cannot unpack $source_tarball"
[[ -f "$build_dir/Makefile" && -x "$build_dir/scripts/kconfig/merge_config.sh" ]] ||
  fail "$source_tarball does not look like a Linux source tree"

# Reproducible build identity. The timestamp is the source tree's own date
# (the top-level Makefile's mtime, which Debian clamps to the changelog date).
KBUILD_BUILD_TIMESTAMP=$(date -u -d "@$(stat -c %Y -- "$build_dir/Makefile")" '+%a %b %e %H:%M:%S UTC %Y')
export KBUILD_BUILD_TIMESTAMP
export KBUILD_BUILD_USER=tinyrange KBUILD_BUILD_HOST=tinyrange KBUILD_BUILD_VERSION=1

kmake() { run make -C "$build_dir" ARCH="$ARCH_NAME" "$@"; }

log "configuring (tinyconfig + $(basename -- "$FRAGMENT"))"
kmake tinyconfig || fail "make tinyconfig failed"
(cd "$build_dir" && run env ARCH="$ARCH_NAME" scripts/kconfig/merge_config.sh -m .config "$FRAGMENT") ||
  fail "merge_config.sh failed"
kmake olddefconfig || fail "make olddefconfig failed"

# Every option the fragment sets must have survived: olddefconfig silently
# drops a value whose dependencies are not met.
dropped=()
while IFS= read -r line; do
  if [[ "$line" =~ ^(CONFIG_[A-Za-z0-9_]+)=.*$ ]]; then
    grep -qxF -- "$line" "$build_dir/.config" && continue
    sym=${BASH_REMATCH[1]}
    now=$(grep -E "^($sym=|# $sym is not set)" "$build_dir/.config" || true)
    dropped+=("$line (got: ${now:-absent, dependencies not met})")
  elif [[ "$line" =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set$ ]]; then
    sym=${BASH_REMATCH[1]}
    now=$(grep -E "^$sym=" "$build_dir/.config" || true)
    [[ -z "$now" ]] || dropped+=("$line (got: $now, selected by another option)")
  fi
done <"$FRAGMENT"
if ((${#dropped[@]} > 0)); then
  printf 'build-kernel: option not in the final .config: %s\n' "${dropped[@]}" >&2
  fail "${#dropped[@]} option(s) of $FRAGMENT did not survive olddefconfig; add the missing dependencies"
fi

log "compiling vmlinux and bzImage"
kmake -j"$jobs" vmlinux bzImage || fail "kernel build failed"

vmlinux="$build_dir/vmlinux"
bzimage="$build_dir/arch/x86/boot/bzImage"
[[ -s "$vmlinux" && -s "$bzimage" ]] || fail "the build did not produce vmlinux and bzImage"

# The PVH entry point: a "Xen" note of type 18 (XEN_ELFNOTE_PHYS32_ENTRY).
# Prints the entry address, or nothing if the note is missing.
pvh_entry() {
  readelf -n --wide -- "$1" | awk '
    function value(line,    n, b, i, v) {
      sub(/.*description data:[ \t]*/, "", line)
      n = split(line, b, " ")
      v = ""
      for (i = n; i >= 1; i--) v = v b[i]  # little-endian bytes
      sub(/^0+/, "", v)
      return "0x" (v == "" ? "0" : v)
    }
    $1 == "Xen" && (index($0, "0x00000012") || index($0, "PHYS32_ENTRY")) {
      if (index($0, "description data:")) { print value($0); exit }
      want = 1
      next
    }
    want && /description data:/ { print value($0); exit }
    { want = 0 }'
}

entry=$(pvh_entry "$vmlinux")
[[ -n "$entry" ]] || fail "vmlinux has no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY); is CONFIG_PVH set?"

log "assembling $out_dir"
strip --strip-all -o "$stage_dir/vmlinux" -- "$vmlinux" || fail "strip failed"
stripped_entry=$(pvh_entry "$stage_dir/vmlinux")
[[ "$stripped_entry" == "$entry" ]] || fail "stripping vmlinux lost the PVH entry note"
cp -- "$bzimage" "$stage_dir/bzImage"
cp -- "$build_dir/.config" "$stage_dir/config"
cp -- "$build_dir/System.map" "$stage_dir/System.map"

# Boot protocol version of the bzImage (setup header field at 0x206).
boot_protocol=$(od -An -tu2 -j 0x206 -N 2 -- "$stage_dir/bzImage" | tr -d ' ')
boot_protocol="$((boot_protocol >> 8)).$((boot_protocol & 0xff))"
release=$(make -s -C "$build_dir" ARCH="$ARCH_NAME" kernelrelease 2>/dev/null || echo unknown)
compiler=$(gcc --version | head -n 1)
fragment_digest=$(sha256sum -- "$FRAGMENT")
script_digest=$(sha256sum -- "$SCRIPT_PATH")
elapsed=$((SECONDS - start_seconds))

{
  printf 'name: %s\n' "$NAME"
  printf 'key: %s\n' "$key"
  printf 'kernel_release: %s\n' "$release"
  printf 'arch: %s\n' "$ARCH_NAME"
  printf 'source: %s\n' "$source_desc"
  printf 'source_id: %s\n' "$source_id"
  printf 'fragment: kernel-config/%s.config sha256 %s\n' "$NAME" "${fragment_digest%% *}"
  printf 'script: scripts/build-kernel.sh sha256 %s\n' "${script_digest%% *}"
  printf 'compiler: %s\n' "$compiler"
  printf 'kbuild_build_timestamp: %s\n' "$KBUILD_BUILD_TIMESTAMP"
  printf 'kbuild_build_user: %s\n' "$KBUILD_BUILD_USER"
  printf 'kbuild_build_host: %s\n' "$KBUILD_BUILD_HOST"
  printf 'kbuild_build_version: %s\n' "$KBUILD_BUILD_VERSION"
  printf 'pvh_entry: %s\n' "$entry"
  printf 'bzimage_boot_protocol: %s\n' "$boot_protocol"
  printf 'jobs: %s\n' "$jobs"
  printf 'build_seconds: %s\n' "$elapsed"
  printf 'files (sha256, bytes, name):\n'
  for f in vmlinux bzImage config System.map; do
    digest=$(sha256sum -- "$stage_dir/$f")
    printf '  %s %s %s\n' "${digest%% *}" "$(stat -c %s -- "$stage_dir/$f")" "$f"
  done
} >"$stage_dir/build-info.txt"

mv -- "$log_file" "$stage_dir/build.log"
log_file="$stage_dir/build.log"
chmod 0755 -- "$stage_dir"
mv -T -- "$stage_dir" "$out_dir" || fail "cannot move the result into $out_dir"
stage_dir=""

log "built $NAME-$key in ${elapsed}s"
printf '%s\n' "$out_dir"
