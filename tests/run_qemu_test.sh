#!/usr/bin/env bash
# Slow, networked: guest-init's full duty on a real kernel without KVM. The
# VM that `tr run` prepares — Debian's cloud kernel with the modules
# guest-init loads, guest-init's initramfs, the archive disk and the capture
# disk — boots under QEMU (TCG, microvm, virtio-mmio like ours).
# guest-init must find both disks by serial, unpack the archives, run the
# install steps (base-passwd's postinst creates /etc/passwd), capture their
# effect, and run the command with stdout on hvc0 and stderr on ttyS0, its
# stdin from the input port (a virtio-serial port named tinyrange.stdin; here
# QEMU's, fed from a socket) up to its end, and every byte unchanged.
# Runs only with TR_SLOW_TESTS=1. Usage: run_qemu_test.sh PATH/TO/tr
set -euo pipefail
tr_bin=$1
here=$(cd "$(dirname "$0")" && pwd)
if [ "${TR_SLOW_TESTS:-}" != 1 ]; then
  echo "SKIPPED LOUDLY: set TR_SLOW_TESTS=1 to boot a tr run plan under QEMU"
  exit 77
fi
command -v qemu-system-x86_64 >/dev/null || { echo "FAIL: needs qemu-system-x86_64" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$tr_bin" run --print-plan -p busybox --kernel debian -- \
  sh -c 'echo "stdout: $(grep -c ^root: /etc/passwd) root"; dpkg-query -W -f="dpkg: \${Status}\n" busybox; echo "stdin: $(cat | tr a-z A-Z)"; echo "stderr line" >&2; exit 3' \
  > "$work/plan.json"
"$tr_bin" vm --plan "$work/plan.json" --write-initrd "$work/initrd.cpio"
# Prints a plan's kernel, then the parts of its archive disk, one a line.
plan_files() {  # PLAN
  python3 -c '
import json, sys
plan = json.load(open(sys.argv[1]))
print(plan["kernel"])
for part in plan["disks"][0]["parts"]: print(part)' "$1"
}
mapfile -t parts < <(plan_files "$work/plan.json")
kernel=${parts[0]}
debian_bundle=$(dirname "$kernel")  # Debian's kernel bundle: vmlinuz, modules/
python3 "$here/support/trfrag.py" disk "$work/archives.img" "${parts[@]:1}"
truncate -s 1G "$work/capture.img"

# Copies the archive guest-init captured out of the capture disk.
extract_capture() {  # DISK OUT
python3 - "$1" "$2" <<'PY'
import struct, sys
disk = open(sys.argv[1], "rb")
head = disk.read(4096)
assert head[:8] == b"TRCAPT01", head[:8]
version, status, length = struct.unpack_from("<IIQ", head, 8)
assert version == 1 and status == 0 and 16 < length < 1 << 30, (version, status, length)
open(sys.argv[2], "wb").write(disk.read(length))
PY
}
# Connects to QEMU's stdin socket, sends FILE, and half-closes: QEMU reads
# the end once the guest has taken the bytes, and tells the guest.
feed_stdin() {  # SOCKET FILE
python3 - "$1" "$2" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
for _ in range(600):
    try:
        s.connect(sys.argv[1])
        break
    except OSError:
        time.sleep(0.1)
s.sendall(open(sys.argv[2], "rb").read())
s.shutdown(socket.SHUT_WR)
try:
    while s.recv(4096):
        pass
except ConnectionResetError:
    pass  # QEMU stopped (a stalled boot that is tried again)
PY
}
# Boots the prepared VM under QEMU. The guest is told the TSC's frequency
# (TCG's TSC is the host's): left to measure it against the PIT, the kernel
# now and then fails ("tsc: Unable to calibrate against PIT") in about one
# boot of six, and then spins in calibrate_delay() for ever because the
# PIT's tick through the I/O APIC never arrives. With tsc_early_khz no boot
# has stalled. A boot that gets nowhere in 200 s is still tried again, up to
# three times, rather than failing the run on the emulator's account.
tsc_khz=$(awk -F: '/^cpu MHz/ { printf "%d", $2 * 1000; exit }' /proc/cpuinfo)
boot() {  # ARCHIVE_DISK OUTPUT_PREFIX [STDIN_FILE]
local attempt rc
for attempt in 1 2 3; do
rm -f "$work/stdin.sock"
feed_stdin "$work/stdin.sock" "${3:-/dev/null}" &
feeder=$!
rc=0
timeout 200 qemu-system-x86_64 -M microvm,acpi=on,rtc=on -accel tcg -cpu max -m 1024 -nographic -no-reboot \
  -kernel "$kernel" -initrd "$work/initrd.cpio" -append "console=ttyS0 reboot=k panic=-1 quiet${tsc_khz:+ tsc_early_khz=$tsc_khz}" \
  -global virtio-mmio.force-legacy=false \
  -drive id=a,file="$1",format=raw,if=none,readonly=on -device virtio-blk-device,drive=a,serial=tr-archives \
  -drive id=c,file="$work/capture.img",format=raw,if=none -device virtio-blk-device,drive=c,serial=tr-capture \
  "${extra_devices[@]}" \
  -device virtio-serial-device -chardev file,id=hvc,path="$2.stdout" -device virtconsole,chardev=hvc \
  -chardev socket,id=in,path="$work/stdin.sock",server=on,wait=on \
  -device virtserialport,chardev=in,name=tinyrange.stdin \
  < /dev/null > "$2.serial" 2>&1 || rc=$?
kill "$feeder" 2>/dev/null || true
wait "$feeder" 2>/dev/null || true
[ $rc -eq 124 ] && ! grep -q 'guest-init' "$2.serial" || break
echo "run_qemu_test: QEMU made no progress in 200 s (attempt $attempt): $(tail -c 300 "$2.serial")" >&2
done
cp "$2.stdout" "$work/stdout.txt"; cp "$2.serial" "$work/serial.txt"
}
# Boots PLAN as it is printed: its initrd, its archive disk (NAME.img), a
# fresh capture disk, its storage disk and network if any, and STDIN_TEXT
# on stdin. Leaves the plan's kernel and
# parts in $kernel and plan_parts.
boot_plan() {  # PLAN NAME STDIN_TEXT
"$tr_bin" vm --plan "$1" --write-initrd "$work/initrd.cpio"
mapfile -t plan_parts < <(plan_files "$1")
# The plan's storage disk (tr run --storage), if it has one.
storage=$(python3 -c '
import json, sys
print(*[d["path"] for d in json.load(open(sys.argv[1]))["disks"] if d.get("id") == "tr-storage"])' "$1")
extra_devices=()
[ -z "$storage" ] ||
  extra_devices=(-drive id=s,file="$storage",format=raw,if=none -device virtio-blk-device,drive=s,serial=tr-storage)
# User networking (tr run --net): QEMU's has the same addresses as ours.
if python3 -c 'import json, sys; sys.exit("net" not in json.load(open(sys.argv[1])))' "$1"; then
  extra_devices+=(-netdev user,id=n -device virtio-net-device,netdev=n)
fi
kernel=${plan_parts[0]}
python3 "$here/support/trfrag.py" disk "$work/$2.img" "${plan_parts[@]:1}"
truncate -s 0 "$work/capture.img"; truncate -s 1G "$work/capture.img"
printf '%s' "$3" > "$work/stdin.txt"
boot "$work/$2.img" "$work/$2" "$work/stdin.txt"
}
extra_devices=()
printf 'hello from the host' > "$work/stdin.txt"
boot "$work/archives.img" "$work/first" "$work/stdin.txt"

grep -q '^stdout: 1 root' "$work/stdout.txt" 2>/dev/null ||
  fail "the command's stdout (hvc0) is not there: $(cat "$work/stdout.txt" 2>/dev/null); serial: $(tail -30 "$work/serial.txt")"
grep -q 'stderr line' "$work/serial.txt" || fail "the command's stderr is not on ttyS0: $(tail -30 "$work/serial.txt")"
grep -q 'stderr line' "$work/stdout.txt" && fail "stderr leaked into stdout"
grep -q '^stdin: HELLO FROM THE HOST$' "$work/stdout.txt" || fail "stdin did not reach the command, or did not end: $(cat "$work/stdout.txt")"
grep -q $'\r' "$work/stdout.txt" && fail "the terminal changed the command's bytes (\\r added): $(od -c "$work/stdout.txt" | head)"
extract_capture "$work/capture.img" "$work/capture.trfrag" ||
  fail "bad capture; guest-init said: $(grep -h 'guest-init' "$work/serial.txt" "$work/stdout.txt")"
listing=$(python3 "$here/support/trfrag.py" list "$work/capture.trfrag")
grep -q ' etc/passwd$' <<<"$listing" || fail "the capture lacks the postinst's /etc/passwd: $listing"
grep -q '\.tinyrange/install' <<<"$listing" && fail "the capture holds the install steps: $listing"
grep -q '^dpkg: install ok installed' "$work/stdout.txt" || fail "dpkg does not see busybox installed: $(cat "$work/stdout.txt")"

# The second boot unpacks the captured state instead of running the steps.
# It is the plan a terminal gets (no input port; tr would fill in its
# terminal's size at boot): the console has that size.
python3 - "$work/plan.json" "$work/terminal.json" <<'PY'
import json, sys
plan = json.load(open(sys.argv[1]))
del plan["input_port"]
del plan["init"]["stdin_port"]
plan["init"]["terminal_size"] = {"cols": 101, "rows": 33}
plan["init"]["argv"] = ["sh", "-c", 'echo "stdout: $(grep -c ^root: /etc/passwd) root"; echo "size: $(stty size)"']
json.dump(plan, open(sys.argv[2], "w"))
PY
"$tr_bin" vm --plan "$work/terminal.json" --write-initrd "$work/initrd.cpio"
python3 "$here/support/trfrag.py" disk "$work/cached.img" "${parts[@]:1:${#parts[@]}-2}" "$work/capture.trfrag"
boot "$work/cached.img" "$work/second"
grep -q '^stdout: 1 root' "$work/stdout.txt" || fail "second boot: stdout: $(cat "$work/stdout.txt"); serial: $(tail -20 "$work/serial.txt")"
grep -q '^size: 33 101' "$work/stdout.txt" || fail "the console does not have the terminal's size: $(cat "$work/stdout.txt")"
grep -q 'install script' "$work/serial.txt" && fail "second boot ran install scripts: $(cat "$work/serial.txt")"
# A define.build_vm VM through tr run --file: an added file, an
# environment and a setup command, then the command.
cat > "$work/vm.star" <<'STAR'
load("@std/debian.star", "debian")
vm = define.build_vm([
    debian("bookworm").plan(["busybox"], base = "essential"),
    directive.add_file("/root/name.txt", contents = "tinyrange"),
    directive.environment({"GREETING": "hello"}),
    directive.run_command("echo \"$GREETING $(cat /root/name.txt)\" > /root/greeting"),
], output = "/root/greeting")
STAR
"$tr_bin" run --file "$work/vm.star:vm" --kernel debian --print-plan -- cat /root/greeting > "$work/vm.json"
"$tr_bin" vm --plan "$work/vm.json" --write-initrd "$work/initrd.cpio"
mapfile -t vm_parts < <(plan_files "$work/vm.json")
python3 "$here/support/trfrag.py" disk "$work/vm.img" "${vm_parts[@]:1}"
boot "$work/vm.img" "$work/vm"
grep -q '^hello tinyrange' "$work/stdout.txt" || fail "build_vm run: stdout: $(cat "$work/stdout.txt"); serial: $(tail -20 "$work/serial.txt")"

# Debian trixie: its packages ship under /usr (the #!/bin/sh of a script
# is dash's /usr/bin/sh in the merged root), and its kernel's modules are
# .ko.xz under usr/lib/modules, decompressed on the host for guest-init.
# The apt sources may list only bookworm: name the same mirror.
mirror=$(awk '/^URIs:/ {print $2; exit} /^deb / {for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' \
  /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null || true)
TR_DEBIAN_MIRROR=$mirror "$tr_bin" run --distro debian:trixie -p busybox --kernel debian --print-plan -- \
  sh -c 'echo "trixie $(uname -r)"; echo "stdin: $(cat)"' > "$work/trixie.json" ||
  fail "tr run could not prepare a trixie VM"
boot_plan "$work/trixie.json" trixie 'from trixie'
grep -q '^trixie .*-cloud-amd64$' "$work/stdout.txt" && grep -q '^stdin: from trixie$' "$work/stdout.txt" ||
  fail "trixie run: stdout: $(cat "$work/stdout.txt"); serial: $(tail -20 "$work/serial.txt")"

# --storage: the root on an ext4 scratch disk instead of a tmpfs.
"$tr_bin" run -p busybox --kernel debian --storage 1024 --print-plan -- \
  sh -c 'grep " / " /proc/mounts; echo "root: $(grep -c ^root: /etc/passwd)"; echo "stdin: $(cat)"' \
  > "$work/storage.json" || fail "tr run could not prepare a VM with --storage"
boot_plan "$work/storage.json" storage 'onto the disk'
grep -q '^/dev/vd[a-z] / ext4 ' "$work/stdout.txt" && grep -q '^root: 1$' "$work/stdout.txt" &&
  grep -q '^stdin: onto the disk$' "$work/stdout.txt" ||
  fail "storage run: stdout: $(cat "$work/stdout.txt"); serial: $(tail -20 "$work/serial.txt")"
rm -f "$storage"  # printed plans leave their generated files behind
extra_devices=()

# Our minimal kernel (kernel-config/, everything built in), when
# scripts/build-kernel.sh has built it, as `tr run --kernel minimal` boots
# it: Debian's essential set, its install scripts, piped stdin.
if bash "$here/../scripts/build-kernel.sh" --print-path > /dev/null 2>&1; then
  "$tr_bin" run --kernel minimal -p busybox --print-plan -- \
    sh -c 'echo "minimal $(uname -r) $(grep -c ^root: /etc/passwd)"; echo "stdin: $(cat)"' > "$work/minimal.json"
  boot_plan "$work/minimal.json" minimal 'to the minimal kernel'
  grep -q '^minimal .* 1$' "$work/stdout.txt" && grep -q '^stdin: to the minimal kernel$' "$work/stdout.txt" ||
    fail "minimal kernel run: stdout: $(cat "$work/stdout.txt"); serial: $(tail -20 "$work/serial.txt")"
else
  echo "SKIPPED LOUDLY: the minimal kernel is not built (scripts/build-kernel.sh), so its boot was not tested"
fi

# Alpine, from a local repository in Alpine's formats (signed index,
# three-segment .apks) served on 127.0.0.1: busybox's .post-install makes
# its applet links, tr-hello's .pre-install leaves a file and its
# .post-install creates a user and a file, with the network up (--net). The
# command sees their effect;
# the second boot replays the captured state instead of the scripts. The
# kernel is the distribution's own, linux-virt: the repository's is Debian's
# kernel packaged as Alpine packages theirs (boot/vmlinuz-virt, .ko.gz).
python3 "$here/support/alpine_repo.py" "$work/alpine" "$(command -v busybox)" "$debian_bundle" ||
  fail "cannot make the Alpine fixture repository (needs openssl and a static busybox)"
python3 - "$work/alpine/mirror" "$work/alpine/port" 2>/dev/null <<'PY' &
import functools, http.server, sys
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
open(sys.argv[2] + ".tmp", "w").write(str(server.server_address[1]))
__import__("os").rename(sys.argv[2] + ".tmp", sys.argv[2])
server.serve_forever()
PY
http_server=$!
for _ in $(seq 100); do [ -s "$work/alpine/port" ] && break; sleep 0.1; done
# A cache of its own: a plan is kept under its request (docs/build.md), and
# this repository is made anew, with new signatures, on every run.
XDG_CACHE_HOME="$work/alpine/cache" "$tr_bin" run --alpine-mirror "http://127.0.0.1:$(cat "$work/alpine/port")" \
  --alpine-keys "$work/alpine/keys" --distro alpine:3.20 -p tr-hello --net --print-plan -- sh -c \
  'cat /etc/tr-hello.net; grep ^tester: /etc/passwd; cat /home/tester/greeting; stat -c "owner %u:%g" /home/tester/greeting;
   cat /etc/tr-hello.pre; echo "apk db: $(grep -c ^P: /lib/apk/db/installed)"; echo "stdin: $(cat)";
   echo to-stderr >&2; exit 5' > "$work/alpine.json" || fail "tr run could not prepare the Alpine VM"
kill "$http_server"
alpine_kernel=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["kernel"])' "$work/alpine.json")
[ "$alpine_kernel" != "$debian_bundle/vmlinuz" ] && [ -f "$(dirname "$alpine_kernel")/modules/virtio_mmio.ko" ] ||
  fail "the Alpine plan does not boot a bundle of its linux-virt: $alpine_kernel"
check_alpine() {  # WHICH
  for line in 'tester:x:1000:1000:Test user:/home/tester:/bin/sh' 'hello from tr-hello' 'owner 1000:1000' \
              'pre-install 1.0-r0' 'apk db: 3' 'stdin: alpine input' 'inet 10.0.2.15/24' 'nameserver 10.0.2.3'; do
    grep -qxF "$line" "$work/stdout.txt" ||
      fail "Alpine $1: no '$line' in stdout: $(cat "$work/stdout.txt"); serial: $(tail -20 "$work/serial.txt")"
  done
  grep -q '^to-stderr' "$work/serial.txt" || fail "Alpine $1: stderr: $(tail -20 "$work/serial.txt")"
  grep -q 'guest-init: exit status: 5' "$work/serial.txt" || fail "Alpine $1: exit status: $(tail -5 "$work/serial.txt")"
}
boot_plan "$work/alpine.json" alpine-first 'alpine input'
check_alpine "first boot"
extract_capture "$work/capture.img" "$work/alpine-capture.trfrag" ||
  fail "Alpine: bad capture: $(grep -h 'guest-init' "$work/serial.txt")"
alpine_listing=$(python3 "$here/support/trfrag.py" list "$work/alpine-capture.trfrag")
grep -q ' home/tester/greeting$' <<<"$alpine_listing" && grep -q ' etc/passwd$' <<<"$alpine_listing" &&
  grep -q ' etc/tr-hello.pre$' <<<"$alpine_listing" &&
  grep -q ' bin/ls -> /bin/busybox$' <<<"$alpine_listing" || fail "Alpine: the capture lacks the scripts' effects: $alpine_listing"
python3 "$here/support/trfrag.py" disk "$work/alpine-cached.img" "${plan_parts[@]:1:${#plan_parts[@]}-2}" \
  "$work/alpine-capture.trfrag"
boot "$work/alpine-cached.img" "$work/alpine-second" "$work/stdin.txt"
check_alpine "second boot"
grep -q 'install script' "$work/serial.txt" && fail "Alpine: the second boot ran install scripts"

echo "run_qemu_test: ok (guest-init unpacked, ran the install steps, captured $(wc -l <<<"$listing") paths)"
