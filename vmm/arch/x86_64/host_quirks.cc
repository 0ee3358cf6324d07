#include "vmm/arch/x86_64/host_quirks.h"

#include <unistd.h>

namespace tinyrange::x86 {

bool HostEmulatesGuestKernel() { return access("/sys/module/kvm_pvm", F_OK) == 0; }

std::string HostGuestKernelArguments() {
  if (!HostEmulatesGuestKernel()) return "";
  return "noxsave nosmap clearcpuid=popcnt,cx16";
}

}  // namespace tinyrange::x86
