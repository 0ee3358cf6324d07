#include "vmm/devices/bus.h"

#include <algorithm>
#include <cstring>

#include "vmm/vmm_error.h"

namespace tinyrange {

void Bus::Register(uint64_t base, uint64_t length, std::shared_ptr<BusDevice> device) {
  if (length == 0 || base + length < base) throw VmmError(name_ + ": invalid device range");
  for (const auto& r : ranges_) {
    if (base < r.base + r.length && r.base < base + length) {
      throw VmmError(name_ + ": device ranges overlap at 0x" + std::to_string(base));
    }
  }
  Range range{base, length, std::move(device)};
  auto pos = std::lower_bound(ranges_.begin(), ranges_.end(), base,
                              [](const Range& r, uint64_t b) { return r.base < b; });
  ranges_.insert(pos, std::move(range));
}

const Bus::Range* Bus::Find(uint64_t address, uint64_t size) const {
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), address,
                             [](uint64_t a, const Range& r) { return a < r.base; });
  if (it == ranges_.begin()) return nullptr;
  --it;
  uint64_t offset = address - it->base;
  // An access that straddles the end of a device goes nowhere.
  if (offset >= it->length || size > it->length - offset) return nullptr;
  return &*it;
}

bool Bus::Read(uint64_t address, std::span<uint8_t> data) const {
  const Range* r = Find(address, data.size());
  if (!r) {
    std::memset(data.data(), 0xff, data.size());
    return false;
  }
  r->device->Read(address - r->base, data);
  return true;
}

bool Bus::Write(uint64_t address, std::span<const uint8_t> data) const {
  const Range* r = Find(address, data.size());
  if (!r) return false;
  r->device->Write(address - r->base, data);
  return true;
}

uint64_t LoadLittleEndian(std::span<const uint8_t> data) {
  uint64_t v = 0;
  for (size_t i = data.size(); i-- > 0;) v = (v << 8) | data[i];
  return v;
}

void StoreLittleEndian(std::span<uint8_t> data, uint64_t value) {
  for (auto& b : data) {
    b = static_cast<uint8_t>(value);
    value >>= 8;
  }
}

}  // namespace tinyrange
