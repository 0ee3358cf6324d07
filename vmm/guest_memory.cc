#include "vmm/guest_memory.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>

#include "vmm/arch/x86_64/layout.h"
#include "vmm/vmm_error.h"

namespace tinyrange {

namespace {

uint8_t* MapAnonymous(uint64_t size) {
  // MAP_NORESERVE: guest RAM is committed lazily, page by page, as the
  // guest touches it; a 4 GiB guest that uses 50 MiB costs 50 MiB.
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) ThrowErrno("mapping " + std::to_string(size >> 20) + " MiB of guest memory");
  return static_cast<uint8_t*>(p);
}

}  // namespace

GuestMemory GuestMemory::CreateX86(uint64_t ram_bytes) {
  if (ram_bytes < (2ULL << 20)) throw VmmError("guest memory must be at least 2 MiB");
  if (ram_bytes % 4096 != 0) throw VmmError("guest memory size must be a multiple of 4 KiB");
  GuestMemory memory;
  uint64_t low = ram_bytes < x86::kMmioHoleStart ? ram_bytes : x86::kMmioHoleStart;
  memory.regions_.push_back({0, low, MapAnonymous(low)});
  if (ram_bytes > low) {
    uint64_t high = ram_bytes - low;
    memory.regions_.push_back({x86::kMmioHoleEnd, high, MapAnonymous(high)});
  }
  return memory;
}

GuestMemory::GuestMemory(GuestMemory&& other) noexcept : regions_(std::move(other.regions_)) {
  other.regions_.clear();
}

GuestMemory& GuestMemory::operator=(GuestMemory&& other) noexcept {
  // Swapping hands our old mappings to `other`, whose destructor unmaps them.
  std::swap(regions_, other.regions_);
  return *this;
}

GuestMemory::~GuestMemory() {
  for (const auto& r : regions_) munmap(r.host, r.size);
}

uint64_t GuestMemory::total_bytes() const {
  uint64_t total = 0;
  for (const auto& r : regions_) total += r.size;
  return total;
}

uint64_t GuestMemory::low_memory_end() const {
  uint64_t end = 0;
  for (const auto& r : regions_) {
    if (r.guest_address < x86::kMmioHoleEnd) end = std::max(end, r.guest_address + r.size);
  }
  return end;
}

uint8_t* GuestMemory::HostAddress(uint64_t gpa, uint64_t len) const {
  for (const auto& r : regions_) {
    if (gpa < r.guest_address) continue;
    uint64_t offset = gpa - r.guest_address;
    if (offset >= r.size && !(offset == r.size && len == 0)) continue;
    // Written so that no sum can overflow: len must fit in what remains.
    if (len > r.size - offset) return nullptr;
    return r.host + offset;
  }
  return nullptr;
}

bool GuestMemory::Read(uint64_t gpa, void* out, uint64_t len) const {
  uint8_t* p = HostAddress(gpa, len);
  if (!p) return false;
  if (len) std::memcpy(out, p, len);
  return true;
}

bool GuestMemory::Write(uint64_t gpa, const void* data, uint64_t len) const {
  uint8_t* p = HostAddress(gpa, len);
  if (!p) return false;
  if (len) std::memcpy(p, data, len);
  return true;
}

void GuestMemory::WriteOrThrow(uint64_t gpa, std::span<const uint8_t> data, const char* what) const {
  if (!Write(gpa, data.data(), data.size())) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "%s (%zu bytes at guest address 0x%llx) does not fit in guest RAM",
                  what, data.size(), static_cast<unsigned long long>(gpa));
    throw VmmError(std::string(buf) + "; give the VM more memory (--memory)");
  }
}

}  // namespace tinyrange
