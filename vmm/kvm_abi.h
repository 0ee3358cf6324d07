// C layouts of the KVM structures that end in a flexible array.
//
// <linux/kvm.h> declares kvm_cpuid2, kvm_msrs and kvm_msr_list with
// __DECLARE_FLEX_ARRAY, which wraps an empty struct: size 0 in C, but 1 in
// C++. Compiled as C++ their sizes and member offsets come out wrong, and
// so do the ioctl numbers that encode those sizes (KVM rejects them with
// EINVAL). These headers and ioctl numbers are the ones the kernel expects.
#pragma once

#include <linux/kvm.h>
#include <sys/ioctl.h>

#include <cstdint>

namespace tinyrange::kvm_abi {

// kvm_cpuid2: entries (kvm_cpuid_entry2) follow the header.
struct Cpuid2Header {
  uint32_t nent;
  uint32_t padding;
};
// kvm_msrs: entries (kvm_msr_entry) follow the header.
struct MsrsHeader {
  uint32_t nmsrs;
  uint32_t pad;
};
// kvm_msr_list: indices (uint32_t) follow the header.
struct MsrListHeader {
  uint32_t nmsrs;
};

static_assert(sizeof(kvm_cpuid_entry2) == 40 && sizeof(kvm_msr_entry) == 16);

inline constexpr unsigned long kGetSupportedCpuid = _IOWR(KVMIO, 0x05, Cpuid2Header);
inline constexpr unsigned long kSetCpuid2 = _IOW(KVMIO, 0x90, Cpuid2Header);
inline constexpr unsigned long kGetMsrs = _IOWR(KVMIO, 0x88, MsrsHeader);
inline constexpr unsigned long kSetMsrs = _IOW(KVMIO, 0x89, MsrsHeader);
inline constexpr unsigned long kGetMsrIndexList = _IOWR(KVMIO, 0x02, MsrListHeader);

}  // namespace tinyrange::kvm_abi
