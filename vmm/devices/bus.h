// Dispatch of guest port I/O and MMIO accesses to emulated devices.
//
// Ranges are registered while the machine is assembled, before any vCPU
// runs, so lookups need no lock. Devices are called concurrently from
// every vCPU thread and synchronise themselves.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace tinyrange {

class BusDevice {
 public:
  virtual ~BusDevice() = default;
  // `offset` is relative to the start of the device's range; `data` is the
  // access (1, 2, 4 or 8 bytes, little-endian). Reads fill `data`.
  virtual void Read(uint64_t offset, std::span<uint8_t> data) = 0;
  virtual void Write(uint64_t offset, std::span<const uint8_t> data) = 0;
};

class Bus {
 public:
  explicit Bus(std::string name) : name_(std::move(name)) {}

  // Throws VmmError if [base, base+length) overlaps a registered range.
  void Register(uint64_t base, uint64_t length, std::shared_ptr<BusDevice> device);

  // Return false if no device claims the address; reads then see all ones,
  // as on real hardware with nothing decoding the address.
  bool Read(uint64_t address, std::span<uint8_t> data) const;
  bool Write(uint64_t address, std::span<const uint8_t> data) const;

 private:
  struct Range {
    uint64_t base;
    uint64_t length;
    std::shared_ptr<BusDevice> device;
  };
  const Range* Find(uint64_t address, uint64_t size) const;

  std::string name_;
  std::vector<Range> ranges_;  // sorted by base, disjoint
};

// Little-endian helpers for device register access.
uint64_t LoadLittleEndian(std::span<const uint8_t> data);
void StoreLittleEndian(std::span<uint8_t> data, uint64_t value);

}  // namespace tinyrange
