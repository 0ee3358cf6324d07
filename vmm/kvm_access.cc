#include "vmm/kvm_access.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tinyrange {

std::string KvmAccessProblem() {
  int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (fd >= 0) {
    close(fd);
    return "";
  }
  int err = errno;
  if (err == ENOENT) {
    return "/dev/kvm does not exist: this machine offers no hardware virtualization to tinyrange. On a "
           "physical machine, enable VT-x or AMD-V in the firmware settings and load the kvm_intel or kvm_amd "
           "module; on a cloud or nested VM, choose an instance type with nested virtualization. The "
           "packages were prepared and stay cached, so the next run on a machine with KVM starts at once.";
  }
  if (err == EACCES || err == EPERM) {
    return "/dev/kvm exists but this user may not open it. Add yourself to the group that owns it (usually "
           "kvm: sudo usermod -aG kvm $USER) and log in again; running tinyrange as root is not needed.";
  }
  return std::string("/dev/kvm cannot be opened: ") + std::strerror(err) +
         ". Check that the kvm module is loaded (lsmod | grep kvm) and that no other hypervisor holds the "
         "virtualization extensions.";
}

}  // namespace tinyrange
