// The CPU state a kernel expects at its entry point: descriptor tables,
// identity page tables, and the registers of the two boot protocols we
// support (Linux 64-bit boot of a bzImage, and PVH 32-bit entry of an ELF).
#pragma once

#include <linux/kvm.h>

#include <cstdint>

#include "vmm/guest_memory.h"

namespace tinyrange::x86 {

enum class EntryMode {
  kLinux64,  // long mode, paging on, RSI = boot_params (Linux boot.rst)
  kPvh32,    // 32-bit protected mode, paging off, EBX = hvm_start_info
};

// GDT selectors. The Linux boot protocol names 0x10 and 0x18 __BOOT_CS and
// __BOOT_DS; PVH accepts any flat segments, so we use the same slots.
inline constexpr uint16_t kCodeSelector = 0x10;
inline constexpr uint16_t kDataSelector = 0x18;
inline constexpr uint16_t kTssSelector = 0x20;

// Encodes a GDT descriptor from its access/flags word (bits 0-7 access
// byte, 12-15 flags nibble), base and 20-bit limit.
uint64_t GdtEntry(uint16_t flags, uint32_t base, uint32_t limit);
// The segment register KVM should load for that descriptor.
kvm_segment SegmentFromGdtEntry(uint64_t entry, uint16_t selector);

// Writes GDT and an empty IDT for `mode`; for kLinux64 also the page
// tables identity-mapping the first 4 GiB with 2 MiB pages. Throws if
// guest memory is too small to hold them.
void WriteBootTables(const GuestMemory& memory, EntryMode mode);

// Adjusts `sregs` (as read from the fresh vCPU) for `mode`.
void SetBootSregs(kvm_sregs& sregs, EntryMode mode);
kvm_regs BootRegs(EntryMode mode, uint64_t entry, uint64_t boot_info);
kvm_fpu BootFpu();

}  // namespace tinyrange::x86
