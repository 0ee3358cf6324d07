// Loads a kernel image into guest memory and says how to enter it.
//
// Two formats are accepted and told apart by their magic:
//  - a bzImage with boot protocol >= 2.12 and a 64-bit entry point
//    (XLF_KERNEL_64): its protected-mode part is loaded at the preferred
//    address and entered in long mode (Documentation/arch/x86/boot.rst);
//  - an ELF (vmlinux or a freestanding program) carrying a PVH entry note
//    (XEN_ELFNOTE_PHYS32_ENTRY): its PT_LOAD segments are loaded at their
//    physical addresses and entered in 32-bit protected mode.
// The image is untrusted input: every offset and size is checked, and a
// bad image is a VmmError naming the file and the problem.
#pragma once

#include <asm/bootparam.h>

#include <cstdint>
#include <span>
#include <string>

#include "vmm/arch/x86_64/cpu_state.h"
#include "vmm/guest_memory.h"

namespace tinyrange::x86 {

struct LoadedKernel {
  EntryMode mode;
  uint64_t entry;
  uint64_t start;  // lowest guest address the kernel occupies
  uint64_t end;    // one past the highest, including its init_size/bss
  // bzImage only: the setup header to copy into boot_params.
  setup_header header{};
  // Highest address (exclusive) where the kernel accepts an initrd.
  uint64_t initrd_limit = 1ULL << 32;
  // Longest command line the kernel accepts, without the NUL.
  uint64_t cmdline_limit = 2047;
};

enum class KernelFormat { kBzImage, kElf, kUnknown };
KernelFormat DetectKernelFormat(std::span<const uint8_t> image);

// Whether `image` is an ELF file with a PVH entry note. Throws VmmError
// naming `name` if it is a malformed ELF file.
bool ElfHasPvhEntry(std::span<const uint8_t> image, const std::string& name);

LoadedKernel LoadKernel(const GuestMemory& memory, std::span<const uint8_t> image,
                        const std::string& name);

}  // namespace tinyrange::x86
