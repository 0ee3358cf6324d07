#include "vmm/arch/x86_64/msrs.h"

#include <utility>

namespace tinyrange::x86 {

std::vector<kvm_msr_entry> BootMsrs() {
  const std::pair<uint32_t, uint64_t> wanted[] = {
      {kMsrIa32SysenterCs, 0}, {kMsrIa32SysenterEsp, 0}, {kMsrIa32SysenterEip, 0},
      {kMsrStar, 0},           {kMsrLstar, 0},           {kMsrCstar, 0},
      {kMsrSyscallMask, 0},    {kMsrKernelGsBase, 0},    {kMsrIa32Tsc, 0},
      {kMsrIa32MiscEnable, kMiscEnableFastString},       {kMsrMtrrDefType, kMtrrDefTypeWriteBack},
  };
  std::vector<kvm_msr_entry> entries;
  for (const auto& [index, value] : wanted) {
    kvm_msr_entry e{};
    e.index = index;
    e.data = value;
    entries.push_back(e);
  }
  return entries;
}

}  // namespace tinyrange::x86
