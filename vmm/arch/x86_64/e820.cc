#include "vmm/arch/x86_64/e820.h"

#include "vmm/arch/x86_64/layout.h"

namespace tinyrange::x86 {

std::vector<E820Entry> BuildE820(const GuestMemory& memory) {
  std::vector<E820Entry> map;
  for (const auto& region : memory.regions()) {
    uint64_t start = region.guest_address;
    uint64_t end = start + region.size;
    if (start < kHighMemoryStart) {
      // The first region always starts at 0 and holds at least 2 MiB.
      map.push_back({start, kEbdaStart - start, kE820Ram});
      map.push_back({kEbdaStart, kHighMemoryStart - kEbdaStart, kE820Reserved});
      if (end > kHighMemoryStart) map.push_back({kHighMemoryStart, end - kHighMemoryStart, kE820Ram});
    } else {
      map.push_back({start, end - start, kE820Ram});
    }
  }
  return map;
}

}  // namespace tinyrange::x86
