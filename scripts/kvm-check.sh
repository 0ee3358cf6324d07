# Sourced by the scripts: what this machine's /dev/kvm can do.
#
# kvm_runs_linux: true when /dev/kvm is hardware virtualization that can run
# a Linux guest's user space. Not so where there is no /dev/kvm, where it is
# not ours to open, or where it is the nested kvm_pvm hypervisor, which
# emulates guest kernel code and faults on a stock kernel's first system
# call (docs/kernel.md). There, scripts/nested-kvm.sh provides one.
# (Only tests: opening /dev/kvm read-write from the shell would create it.)
kvm_runs_linux() {
  [ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ] || return 1
  [ -e /sys/module/kvm_pvm ] && return 1
  return 0
}

# Why kvm_runs_linux is false, in a few words.
kvm_why_not() {
  if ! [ -c /dev/kvm ]; then
    echo "this machine has no /dev/kvm"
  elif ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then
    echo "/dev/kvm is not readable and writable by $(id -un)"
  elif [ -e /sys/module/kvm_pvm ]; then
    echo "this machine's /dev/kvm is kvm_pvm, which cannot run a stock Linux user space"
  else
    echo "/dev/kvm can run Linux"
  fi
}
