// Guest RAM: host mappings of the guest-physical ranges that hold memory.
//
// Every access by a device on behalf of the guest goes through the checked
// accessors here, which refuse any range that is not entirely inside one
// RAM region. The arithmetic is overflow-safe, so a hostile guest address
// or length can never make us touch host memory outside guest RAM.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace tinyrange {

struct MemoryRegion {
  uint64_t guest_address;
  uint64_t size;
  uint8_t* host;
};

class GuestMemory {
 public:
  // Maps `ram_bytes` of anonymous memory laid out around the x86 32-bit
  // MMIO hole: [0, min(ram, 3 GiB)) and the rest from 4 GiB.
  static GuestMemory CreateX86(uint64_t ram_bytes);

  GuestMemory() = default;
  GuestMemory(const GuestMemory&) = delete;
  GuestMemory& operator=(const GuestMemory&) = delete;
  GuestMemory(GuestMemory&& other) noexcept;
  GuestMemory& operator=(GuestMemory&& other) noexcept;
  ~GuestMemory();

  const std::vector<MemoryRegion>& regions() const { return regions_; }
  uint64_t total_bytes() const;
  // One past the highest RAM byte below 4 GiB.
  uint64_t low_memory_end() const;

  // Host pointer for [gpa, gpa+len) if the whole range is RAM in one
  // region, else nullptr. len == 0 is valid if gpa is inside RAM.
  uint8_t* HostAddress(uint64_t gpa, uint64_t len) const;
  bool IsRam(uint64_t gpa, uint64_t len) const { return HostAddress(gpa, len) != nullptr; }

  // Checked copies. Return false (and copy nothing) if out of range.
  bool Read(uint64_t gpa, void* out, uint64_t len) const;
  bool Write(uint64_t gpa, const void* data, uint64_t len) const;

  template <typename T>
  bool ReadObject(uint64_t gpa, T* out) const { return Read(gpa, out, sizeof(T)); }
  template <typename T>
  bool WriteObject(uint64_t gpa, const T& value) const { return Write(gpa, &value, sizeof(T)); }

  // For host-side setup (loading kernels): throws VmmError naming `what`.
  void WriteOrThrow(uint64_t gpa, std::span<const uint8_t> data, const char* what) const;

 private:
  std::vector<MemoryRegion> regions_;
};

}  // namespace tinyrange
