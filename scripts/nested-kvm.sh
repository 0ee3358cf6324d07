#!/usr/bin/env bash
# scripts/nested-kvm.sh CMD [ARGS...]
#
# Runs CMD in an outer VM that has a hardware-virtualization /dev/kvm, and
# exits with CMD's status. The outer VM is QEMU's emulator (TCG, no KVM
# needed on this machine) with an AMD-V CPU (`-cpu max`, nested paging), on
# Debian's own kernel, which loads kvm_amd: our VMM then runs there on the
# same KVM API and hardware-virtualization paths as on a real machine, about
# 100 times slower. The host's / is the outer VM's root (read-only, over
# 9p); the checkout, the build tree, the tinyrange cache and the directories
# in TR_NESTED_RW (colon-separated) are shared read-write at their own
# paths; /tmp, /run and /dev/shm are the outer VM's own. CMD runs as root in
# the current directory with this environment (TMPDIR is /tmp there); its
# stdout and stderr come back apart, its stdin is empty. docs/testing.md.
#
# Environment:
#   TR_NESTED_CPUS        the outer VM's CPUs (default 1: with two, the
#                         emulator's nested SVM sometimes froze both CPUs
#                         for good, each waiting on the other)
#   TR_NESTED_MEMORY_MIB  its memory (default: 3/5 of this machine's, at
#                         most 12288)
#   TR_NESTED_RW          more directories to share read-write
#   TR_NESTED_CPU         QEMU's -cpu (default max,vendor=AuthenticAMD: AMD-V
#                         with nested paging; kvm_amd wants an AMD vendor)
#   TR_NESTED_VERBOSE=1   copy the outer VM's console to stderr
#   TR_NESTED_TIMEOUT     end the outer VM after this many seconds (125)
#   TR_BUILD_DIR          the build tree (default: build/ in the checkout)
#
# Exit status: CMD's, or 125 when the outer VM could not run it (the
# reason is printed: no QEMU, no AMD-V, kvm_amd did not load, ...).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${TR_BUILD_DIR:-$root/build}
readonly unavailable=125

say() { echo "nested-kvm: $*" >&2; }
die() {
  say "$*"
  exit "$unavailable"
}

if [ $# -eq 0 ] || [ "$1" = -h ] || [ "$1" = --help ]; then
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
  [ $# -eq 0 ] && exit 2 || exit 0
fi

qemu=$(command -v qemu-system-x86_64 || true)
[ -n "$qemu" ] || die "qemu-system-x86_64 is not installed (apt-get install qemu-system-x86; scripts/install-deps.sh does)"
mkcpio=$build/builder/cpio/tr-cpio
[ -x "$mkcpio" ] || die "$mkcpio is missing: build first (scripts/build.sh)"
busybox=/bin/busybox
if ! [ -x "$busybox" ] || readelf -l "$busybox" 2> /dev/null | grep -q 'Requesting program interpreter'; then
  die "$busybox is not a static busybox (apt-get install busybox-static)"
fi

cache=${XDG_CACHE_HOME:-$HOME/.cache}/tinyrange
mkdir -p "$cache/nested"

# The outer kernel: Debian's generic flavour (it has 9p; the cloud flavour
# has not), from the configured mirror, with the modules this VM loads and
# their load order. Fetched once, under a lock, and renamed into place.
package=$(apt-cache depends linux-image-amd64 2> /dev/null |
  sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -n 1)
[ -n "$package" ] || die "apt does not know linux-image-amd64: run 'apt-get update' first"
kernel_dir=$cache/nested/$package
if [ ! -f "$kernel_dir/load-order" ]; then
  exec 9> "$cache/nested/.lock"
  flock 9
  if [ ! -f "$kernel_dir/load-order" ]; then
    say "fetching the outer VM's kernel $package (once)"
    tmp=$(mktemp -d "$cache/nested/.fetch.XXXXXX")
    trap 'rm -rf "$tmp"' EXIT
    (cd "$tmp" && apt-get download -q "$package" > /dev/null 2>&1) ||
      (cd "$tmp" && apt-get download "$package" >&2) || die "apt-get download $package failed"
    dpkg-deb -x "$tmp"/*.deb "$tmp/deb"
    version=$(ls "$tmp/deb/lib/modules")
    # modules.dep is made by depmod when the package is installed; make it
    # here, then keep each wanted module and what it needs, needs first.
    "$busybox" depmod -b "$tmp/deb" "$version"
    deps=$tmp/deb/lib/modules/$version/modules.dep
    mkdir -p "$tmp/out/modules"
    loaded=" "
    load() {  # MODULE-PATH (relative, as in modules.dep)
      local module=$1 dep
      case $loaded in *" $module "*) return ;; esac
      for dep in $(sed -n "s|^$module: *||p" "$deps"); do load "$dep"; done
      loaded="$loaded$module "
      cp "$tmp/deb/lib/modules/$version/$module" "$tmp/out/modules/"
      echo "${module##*/}" >> "$tmp/out/modules/load-order"
    }
    for name in kvm-amd 9pnet_virtio 9p virtio_pci virtio_net virtio_console; do
      module=$(grep -o "^[^:]*/$name\.ko" "$deps" | head -n 1)
      [ -n "$module" ] || die "$package has no module $name"
      load "$module"
    done
    cp "$tmp"/deb/boot/vmlinuz-* "$tmp/out/vmlinuz"
    mv "$tmp/out/modules/load-order" "$tmp/out/load-order"
    rm -rf "$kernel_dir"
    mv "$tmp/out" "$kernel_dir"
    rm -rf "$tmp"
    trap - EXIT
  fi
  exec 9>&-
fi

# The run's scratch directory: the initramfs, the runner and its settings;
# the outer VM writes the command's status (or why it could not run it).
scratch=$(mktemp -d "${TMPDIR:-/tmp}/tr-nested.XXXXXX")
scratch=$(cd "$scratch" && pwd -P)
qemu_pid=
copiers=()
cleanup() {
  # No `set -e` here: a failing kill must not change the exit status.
  set +e
  [ -n "$qemu_pid" ] && kill "$qemu_pid" 2> /dev/null && wait "$qemu_pid" 2> /dev/null
  [ -n "${tail_pid:-}" ] && kill "$tail_pid" 2> /dev/null
  [ -z "${watchdog_pid:-}" ] || kill "$watchdog_pid" 2> /dev/null || true
  for pid in "${copiers[@]}"; do kill "$pid" 2> /dev/null; done
  rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

{
  echo "dir /dev 755 0 0"
  echo "nod /dev/console 600 0 0 c 5 1"
  echo "dir /bin 755 0 0"
  echo "file /bin/busybox $busybox 755 0 0"
  echo "file /init $root/scripts/nested/outer-init.sh 755 0 0"
  echo "dir /modules 755 0 0"
  echo "file /modules/load-order $kernel_dir/load-order 644 0 0"
  while read -r module; do echo "file /modules/$module $kernel_dir/modules/$module 644 0 0"; done < "$kernel_dir/load-order"
} > "$scratch/initramfs.spec"
"$mkcpio" "$scratch/initramfs.spec" "$scratch/initramfs.cpio" || die "cannot write the outer initramfs"

# The read-write shares: the checkout, the build tree, the cache and
# TR_NESTED_RW, each once, parents before children.
rw=("$root" "$build" "$cache")
IFS=: read -r -a extra <<< "${TR_NESTED_RW:-}"
rw+=("${extra[@]}")
declare -A seen=()
shares=()
for dir in "${rw[@]}"; do
  [ -n "$dir" ] || continue
  mkdir -p "$dir" 2> /dev/null || true
  [ -d "$dir" ] || die "TR_NESTED_RW: $dir is not a directory"
  dir=$(cd "$dir" && pwd -P)
  [ -n "${seen[$dir]:-}" ] && continue
  seen[$dir]=1
  shares+=("$dir")
done
mapfile -t shares < <(printf '%s\n' "${shares[@]}" | awk '{ print length($0) "\t" $0 }' | sort -n | cut -f 2-)
security=passthrough
[ "$(id -u)" -eq 0 ] || security=none  # passthrough needs root to set owners
virtfs=(-virtfs "local,path=/,mount_tag=host,security_model=$security,readonly=on,multidevs=remap"
  -virtfs "local,path=$scratch,mount_tag=scratch,security_model=$security,multidevs=remap")
: > "$scratch/mounts"
i=0
for dir in "${shares[@]}"; do
  case $dir in *,*) die "cannot share $dir: QEMU's -virtfs takes no path with a comma" ;; esac
  virtfs+=(-virtfs "local,path=$dir,mount_tag=rw$i,security_model=$security,multidevs=remap")
  printf 'rw%d %s\n' "$i" "$dir" >> "$scratch/mounts"
  i=$((i + 1))
done
printf 'TR_NESTED_SCRATCH=%q\n' "$scratch" > "$scratch/config"

# The runner: this environment, this directory, the command.
{
  echo "# written by scripts/nested-kvm.sh"
  while IFS= read -r -d '' entry; do
    name=${entry%%=*}
    case $name in
      PWD | OLDPWD | SHLVL | _ | TMPDIR) continue ;;
    esac
    [[ $name =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || continue
    printf 'export %s=%q\n' "$name" "${entry#*=}"
  done < <(env -0)
  echo "export TMPDIR=/tmp"
  printf 'cd %q || exit 125\n' "$PWD"
  printf 'exec'
  printf ' %q' "$@"
  echo
} > "$scratch/run.sh"

cpus=${TR_NESTED_CPUS:-1}
host_mib=$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)
memory=${TR_NESTED_MEMORY_MIB:-$((host_mib * 3 / 5 > 12288 ? 12288 : host_mib * 3 / 5))}
[[ $cpus =~ ^[1-9][0-9]*$ ]] || die "TR_NESTED_CPUS=$cpus: give a number of CPUs"
[[ $memory =~ ^[1-9][0-9]*$ ]] || die "TR_NESTED_MEMORY_MIB=$memory: give a size in MiB"
timeout=${TR_NESTED_TIMEOUT:-}
[ -z "$timeout" ] || [[ $timeout =~ ^[1-9][0-9]*$ ]] || die "TR_NESTED_TIMEOUT=$timeout: give a number of seconds"

: > "$scratch/console.log"
if [ "${TR_NESTED_VERBOSE:-}" = 1 ]; then
  tail -f "$scratch/console.log" >&2 &
  tail_pid=$!
fi
# The command's output: QEMU writes each stream into a FIFO (it opens
# NAME.out, and NAME.in for input that never comes) and a cat copies it to
# our own stdout or stderr, appending to a file as any writer would. We hold
# each FIFO open ourselves too, so the cats never block on a QEMU that failed
# to start, and they end once QEMU is gone and we let go.
copiers=()
for stream in stdout stderr; do
  mkfifo "$scratch/$stream.in" "$scratch/$stream.out"
done
exec 5<> "$scratch/stdout.out" 6<> "$scratch/stderr.out"
cat "$scratch/stdout.out" 5>&- 6>&- &
copiers+=($!)
cat "$scratch/stderr.out" >&2 5>&- 6>&- &
copiers+=($!)
"$qemu" -nodefaults -no-user-config -M q35 -accel tcg,thread=multi -cpu "${TR_NESTED_CPU:-max,vendor=AuthenticAMD}" \
  -smp "$cpus" -m "$memory" -display none -no-reboot \
  -kernel "$kernel_dir/vmlinuz" -initrd "$scratch/initramfs.cpio" \
  -append "console=ttyS0 panic=-1 quiet loglevel=3 rdinit=/init" \
  -serial "file:$scratch/console.log" \
  "${virtfs[@]}" \
  -netdev user,id=net0 -device virtio-net-pci,netdev=net0 \
  -device virtio-serial-pci,id=ports \
  -chardev pipe,id=stdout,path="$scratch/stdout" \
  -device virtserialport,bus=ports.0,chardev=stdout,name=tr.stdout \
  -chardev pipe,id=stderr,path="$scratch/stderr" \
  -device virtserialport,bus=ports.0,chardev=stderr,name=tr.stderr \
  < /dev/null 5>&- 6>&- &
qemu_pid=$!
if [ -n "$timeout" ]; then
  # A frozen outer VM must not hang its caller (CI) for good.
  # It holds none of our descriptors: a reader of our output, or the
  # copiers, must not wait on it.
  (sleep "$timeout" && touch "$scratch/timed-out" && kill "$qemu_pid") < /dev/null > /dev/null 2>&1 5>&- 6>&- &
  watchdog_pid=$!
fi
qemu_status=0
wait "$qemu_pid" || qemu_status=$?
qemu_pid=
exec 5>&- 6>&-
wait "${copiers[@]}" || true
[ -z "${watchdog_pid:-}" ] || kill "$watchdog_pid" 2> /dev/null || true

if [ -f "$scratch/status" ]; then
  exit "$(cat "$scratch/status")"
fi
if [ -f "$scratch/timed-out" ]; then
  say "the outer VM did not finish within TR_NESTED_TIMEOUT=$timeout s; its console ends:"
  tail -n 30 "$scratch/console.log" | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/\x1bc//g' | tr -d '\r' >&2
elif [ -f "$scratch/failure" ]; then
  say "the outer VM could not run the command: $(cat "$scratch/failure")"
else
  say "the outer VM ended without running the command (QEMU's status $qemu_status); its console ends:"
  # Firmware banners and terminal escapes are noise here.
  tail -n 30 "$scratch/console.log" | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/\x1bc//g' | tr -d '\r' >&2
fi
exit "$unavailable"
