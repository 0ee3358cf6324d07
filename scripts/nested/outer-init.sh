#!/bin/busybox sh
# PID 1 of scripts/nested-kvm.sh's outer VM (busybox, from its initramfs).
#
# Loads KVM (kvm_amd on the emulated AMD-V CPU), 9p, virtio-net and the
# virtio-serial console, mounts the host's / read-only over 9p with the
# read-write shares over their own paths, and runs the command prepared in
# the scratch share in a chroot of the host's root: the checkout, the build
# and every tool are where they are on the host. The command's status goes
# to the scratch share; why the VM could not run it goes there too.
/bin/busybox mkdir -p /proc /sys /dev /scratch /host /usr/bin /sbin /usr/sbin
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

say() { echo "nested-kvm (outer VM): $*" > /dev/console; }
stop() {
  sync
  poweroff -f
  sleep 60
}
# A reason the command could not run: on the console, and in the scratch
# share (when it is mounted) for the host to print.
fail() {
  say "$*"
  [ -d /scratch/run ] && echo "$*" > /scratch/run/failure
  stop
}

# kvm_amd's failure is reported once the scratch share is up (it needs the
# other modules), with what the CPU lacks.
kvm_error=
while read -r module; do
  [ -n "$module" ] || continue
  insmod "/modules/$module" 2> /tmp.insmod && continue
  case $module in
    kvm-amd.ko) kvm_error="kvm_amd did not load: $(cat /tmp.insmod)" ;;
    *) fail "cannot load the module $module: $(cat /tmp.insmod)" ;;
  esac
done < /modules/load-order

ninep() {  # TAG DIR [ro]
  mount -t 9p -o "trans=virtio,version=9p2000.L,msize=1048576,cache=loose${3:+,$3}" "$1" "$2"
}
mkdir -p /scratch/run
ninep scratch /scratch/run || fail "cannot mount the scratch share"
grep -qw svm /proc/cpuinfo ||
  fail "the outer VM's CPU has no svm flag: QEMU did not emulate AMD-V (its -cpu must offer it: max,vendor=AuthenticAMD)"
[ -z "$kvm_error" ] || fail "$kvm_error"
[ -c /dev/kvm ] || fail "kvm_amd loaded but there is no /dev/kvm: $(dmesg | grep -i -E 'kvm|svm' | tail -n 3)"
. /scratch/run/config

ninep host /host ro || fail "cannot mount the host's root over 9p"
for fs in "proc proc" "sysfs sys" "devtmpfs dev" "tmpfs tmp" "tmpfs run"; do
  set -- $fs
  mount -t "$1" "$1" "/host/$2" || fail "cannot mount $1 on /host/$2"
done
chmod 1777 /host/tmp
mkdir -p /host/dev/pts /host/dev/shm /host/run/lock
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /host/dev/pts
ln -sf pts/ptmx /host/dev/ptmx 2> /dev/null
# What udev would make: bash's process substitution needs /dev/fd.
ln -sf /proc/self/fd /host/dev/fd
ln -sf /proc/self/fd/0 /host/dev/stdin
ln -sf /proc/self/fd/1 /host/dev/stdout
ln -sf /proc/self/fd/2 /host/dev/stderr
mount -t tmpfs -o mode=1777 tmpfs /host/dev/shm
# The read-write shares, parents first: "TAG PATH" a line.
while read -r tag path; do
  [ -n "$tag" ] || continue
  mkdir -p "/host$path" 2> /dev/null
  ninep "$tag" "/host$path" || fail "cannot mount the read-write share $path"
done < /scratch/run/mounts
# The scratch share again at its host path, where the command's runner is
# (a 9p tag can be mounted once: a bind mount instead).
mkdir -p "/host$TR_NESTED_SCRATCH" 2> /dev/null
mount --bind /scratch/run "/host$TR_NESTED_SCRATCH" || fail "cannot bind the scratch share to $TR_NESTED_SCRATCH"

# slirp's addresses: the outer VM is 10.0.2.15, the host 10.0.2.2, its DNS
# 10.0.2.3. The loopback must be up: an inner VM's slirp reaches "the host"
# (10.0.2.2 inside the inner VM) on this VM's loopback.
ip link set lo up
for dev in /sys/class/net/*; do
  name=${dev##*/}
  [ "$name" = lo ] && continue
  ip link set "$name" up && ip addr add 10.0.2.15/24 dev "$name" && ip route add default via 10.0.2.2 dev "$name"
  break
done
echo "nameserver 10.0.2.3" > /resolv.conf
if [ -L /host/etc/resolv.conf ]; then
  # A link into /run (systemd-resolved): fill in its target in our /run.
  target=$(readlink /host/etc/resolv.conf)
  case $target in
    /run/*) mkdir -p "/host${target%/*}" && cp /resolv.conf "/host$target" ;;
  esac
elif [ -f /host/etc/resolv.conf ]; then
  mount --bind /resolv.conf /host/etc/resolv.conf
fi

# The command's output ports, by name (no udev here to make links).
port() {
  for p in /sys/class/virtio-ports/*; do
    [ "$(cat "$p/name" 2> /dev/null)" = "$1" ] && { echo "/dev/${p##*/}"; return 0; }
  done
  return 1
}
out=$(port tr.stdout) && err=$(port tr.stderr) || fail "the command's output ports are missing"

chroot /host /bin/bash "$TR_NESTED_SCRATCH/run.sh" < /dev/null > "$out" 2> "$err"
echo "$?" > /scratch/run/status
sync
stop
