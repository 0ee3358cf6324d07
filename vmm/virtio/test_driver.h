// A synthetic virtio driver for device tests: plays the guest's part over
// a VirtioMmioTransport on synthetic guest memory (the Linux driver's
// handshake, one queue, chains built from byte buffers).
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "vmm/devices/bus.h"
#include "vmm/guest_memory.h"
#include "vmm/virtio/virtio_mmio.h"

namespace tinyrange::virtio::testing {

class TestDriver {
 public:
  static constexpr uint64_t kDesc = 0x10000, kAvail = 0x11000, kUsed = 0x12000, kData = 0x100000;
  static constexpr uint16_t kQueueSize = 64;

  // One buffer of a chain: bytes the device reads, or room it writes.
  struct Part {
    std::vector<uint8_t> bytes;  // readable content, or initial content of writable room
    bool writable;
  };

  explicit TestDriver(VirtioMmioTransport* transport, const GuestMemory* memory)
      : t_(transport), m_(memory) {}

  uint32_t In(uint64_t offset) {
    uint8_t b[4];
    t_->Read(offset, b);
    return static_cast<uint32_t>(LoadLittleEndian(b));
  }
  void Out(uint64_t offset, uint32_t value) {
    uint8_t b[4];
    StoreLittleEndian(b, value);
    t_->Write(offset, b);
  }
  uint64_t Features() {
    Out(0x014, 0);
    uint64_t low = In(0x010);
    Out(0x014, 1);
    return low | (static_cast<uint64_t>(In(0x010)) << 32);
  }
  // Accepts every offered feature; returns whether the device is live.
  bool Start() {
    uint64_t features = Features();
    Out(0x070, 0);
    Out(0x070, kStatusAcknowledge | kStatusDriver);
    Out(0x024, 0);
    Out(0x020, static_cast<uint32_t>(features));
    Out(0x024, 1);
    Out(0x020, static_cast<uint32_t>(features >> 32));
    Out(0x070, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk);
    Out(0x030, 0);
    Out(0x038, kQueueSize);
    Out(0x080, kDesc);
    Out(0x090, kAvail);
    Out(0x0a0, kUsed);
    Out(0x044, 1);
    Out(0x070, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk | kStatusDriverOk);
    return In(0x070) & kStatusDriverOk;
  }

  // Submits one chain, kicks, and returns the used length; the writable
  // parts' final contents are read back into `parts`.
  uint32_t Submit(std::vector<Part>& parts) {
    uint64_t data = kData;
    uint16_t first = next_desc_;
    for (size_t i = 0; i < parts.size(); ++i) {
      uint16_t index = static_cast<uint16_t>((first + i) % kQueueSize);
      m_->Write(data, parts[i].bytes.data(), parts[i].bytes.size());
      uint64_t addr = data;
      uint32_t len = static_cast<uint32_t>(parts[i].bytes.size());
      uint16_t flags = static_cast<uint16_t>((parts[i].writable ? kDescFlagWrite : 0) |
                                             (i + 1 < parts.size() ? kDescFlagNext : 0));
      uint16_t next = static_cast<uint16_t>((index + 1) % kQueueSize);
      m_->WriteObject(kDesc + 16ULL * index, addr);
      m_->WriteObject(kDesc + 16ULL * index + 8, len);
      m_->WriteObject(kDesc + 16ULL * index + 12, flags);
      m_->WriteObject(kDesc + 16ULL * index + 14, next);
      data += (parts[i].bytes.size() + 4095) & ~4095ULL;
    }
    next_desc_ = static_cast<uint16_t>((first + parts.size()) % kQueueSize);
    m_->WriteObject(kAvail + 4 + 2 * (avail_idx_ % kQueueSize), first);
    ++avail_idx_;
    m_->WriteObject(kAvail + 2, avail_idx_);
    Out(0x050, 0);
    uint32_t used_len = 0;
    m_->ReadObject(kUsed + 4 + 8 * (used_seen_ % kQueueSize) + 4, &used_len);
    ++used_seen_;
    data = kData;
    for (auto& p : parts) {
      if (p.writable) m_->Read(data, p.bytes.data(), p.bytes.size());
      data += (p.bytes.size() + 4095) & ~4095ULL;
    }
    return used_len;
  }

  uint16_t used_index() {
    uint16_t v = 0;
    m_->ReadObject(kUsed + 2, &v);
    return v;
  }

 private:
  VirtioMmioTransport* t_;
  const GuestMemory* m_;
  uint16_t next_desc_ = 0;
  uint16_t avail_idx_ = 0;
  uint16_t used_seen_ = 0;
};

}  // namespace tinyrange::virtio::testing
