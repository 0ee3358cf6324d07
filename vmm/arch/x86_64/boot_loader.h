// Puts everything a kernel needs at its entry into guest memory: the
// kernel, the initrd (possibly several cpio archives back to back), the
// command line, the memory map and the protocol's boot-information block
// (boot_params for a bzImage, hvm_start_info for PVH), plus the CPU tables.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "vmm/arch/x86_64/cpu_state.h"
#include "vmm/guest_memory.h"

namespace tinyrange::x86 {

// One piece of the initrd: a host file, or bytes made in memory (such as
// the generated archive holding guest-init). Linux unpacks concatenated
// cpio archives in order; each piece starts 4-byte aligned.
struct InitrdPart {
  std::string path;
  std::vector<uint8_t> bytes;
};

struct BootSpec {
  std::string kernel_path;
  std::vector<InitrdPart> initrd;
  std::string cmdline;
  uint64_t rsdp_address = 0;  // 0: no ACPI tables
};

struct BootEntry {
  EntryMode mode;
  uint64_t entry;
  uint64_t boot_info;  // RSI (Linux 64-bit) or EBX (PVH)
  uint64_t initrd_address = 0;
  uint64_t initrd_size = 0;
};

BootEntry LoadBoot(const GuestMemory& memory, const BootSpec& spec);

// PVH boot information (the x86 HVM direct-boot ABI, version 1).
inline constexpr uint32_t kPvhStartMagic = 0x336ec578;
struct PvhStartInfo {
  uint32_t magic;
  uint32_t version;
  uint32_t flags;
  uint32_t nr_modules;
  uint64_t modlist_paddr;
  uint64_t cmdline_paddr;
  uint64_t rsdp_paddr;
  uint64_t memmap_paddr;
  uint32_t memmap_entries;
  uint32_t reserved;
};
struct PvhModule {
  uint64_t paddr;
  uint64_t size;
  uint64_t cmdline_paddr;
  uint64_t reserved;
};
struct PvhMemmapEntry {
  uint64_t addr;
  uint64_t size;
  uint32_t type;
  uint32_t reserved;
};
static_assert(sizeof(PvhStartInfo) == 56 && sizeof(PvhModule) == 32 && sizeof(PvhMemmapEntry) == 24);

}  // namespace tinyrange::x86
