// Model-specific registers every vCPU starts with.
#pragma once

#include <linux/kvm.h>

#include <cstdint>
#include <vector>

namespace tinyrange::x86 {

inline constexpr uint32_t kMsrIa32Tsc = 0x10;
inline constexpr uint32_t kMsrIa32SysenterCs = 0x174;
inline constexpr uint32_t kMsrIa32SysenterEsp = 0x175;
inline constexpr uint32_t kMsrIa32SysenterEip = 0x176;
inline constexpr uint32_t kMsrIa32MiscEnable = 0x1a0;
inline constexpr uint32_t kMsrMtrrDefType = 0x2ff;
inline constexpr uint32_t kMsrStar = 0xc0000081;
inline constexpr uint32_t kMsrLstar = 0xc0000082;
inline constexpr uint32_t kMsrCstar = 0xc0000083;
inline constexpr uint32_t kMsrSyscallMask = 0xc0000084;
inline constexpr uint32_t kMsrKernelGsBase = 0xc0000102;

// MTRRs enabled (bit 11) with write-back (6) as the default memory type:
// otherwise memory outside the (unset) variable ranges would be uncached.
inline constexpr uint64_t kMtrrDefTypeWriteBack = (1u << 11) | 6;
inline constexpr uint64_t kMiscEnableFastString = 1;

// The boot MSRs: syscall and sysenter state cleared, fast strings on, and
// write-back MTRR default type.
std::vector<kvm_msr_entry> BootMsrs();

}  // namespace tinyrange::x86
