// The guest's physical memory map as the BIOS e820 call would report it.
// Shared by the Linux boot protocol (boot_params) and PVH (memmap table).
#pragma once

#include <cstdint>
#include <vector>

#include "vmm/guest_memory.h"

namespace tinyrange::x86 {

inline constexpr uint32_t kE820Ram = 1;
inline constexpr uint32_t kE820Reserved = 2;

struct E820Entry {
  uint64_t address;
  uint64_t size;
  uint32_t type;
};

// RAM below the EBDA, the BIOS area (with our ACPI tables) reserved, RAM
// from 1 MiB to the MMIO hole and from 4 GiB on.
std::vector<E820Entry> BuildE820(const GuestMemory& memory);

}  // namespace tinyrange::x86
