// A synthetic virtio driver for device tests: plays the guest's part over
// a VirtioMmioTransport on synthetic guest memory (the Linux driver's
// handshake, one or more queues, chains built from byte buffers).
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include "vmm/devices/bus.h"
#include "vmm/guest_memory.h"
#include "vmm/virtio/virtio_mmio.h"

namespace tinyrange::virtio::testing {

class TestDriver {
 public:
  // Queue q's rings are at kDesc + q * 0x4000 (descriptors, then the
  // available ring 4 KiB on, the used ring 8 KiB on); its buffers at
  // kData + q * 0x200000.
  static constexpr uint64_t kDesc = 0x10000, kAvail = 0x11000, kUsed = 0x12000, kData = 0x100000;
  static constexpr uint16_t kQueueSize = 64;

  // One buffer of a chain: bytes the device reads, or room it writes.
  struct Part {
    std::vector<uint8_t> bytes;  // readable content, or initial content of writable room
    bool writable;
  };

  explicit TestDriver(VirtioMmioTransport* transport, const GuestMemory* memory, uint16_t queues = 1)
      : t_(transport), m_(memory), state_(queues) {}

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
  // Accepts every offered feature and sets up every queue; returns whether
  // the device is live.
  bool Start() {
    for (auto& s : state_) s = {};
    uint64_t features = Features();
    Out(0x070, 0);
    Out(0x070, kStatusAcknowledge | kStatusDriver);
    Out(0x024, 0);
    Out(0x020, static_cast<uint32_t>(features));
    Out(0x024, 1);
    Out(0x020, static_cast<uint32_t>(features >> 32));
    Out(0x070, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk);
    for (uint16_t q = 0; q < state_.size(); ++q) {
      Out(0x030, q);
      Out(0x038, kQueueSize);
      Out(0x080, static_cast<uint32_t>(Desc(q)));
      Out(0x090, static_cast<uint32_t>(Desc(q) + 0x1000));
      Out(0x0a0, static_cast<uint32_t>(Desc(q) + 0x2000));
      Out(0x044, 1);
    }
    Out(0x070, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk | kStatusDriverOk);
    return In(0x070) & kStatusDriverOk;
  }

  // Submits one chain on queue 0 (or `queue`), kicks, and returns the used
  // length; the writable parts' final contents are read back into `parts`.
  uint32_t Submit(std::vector<Part>& parts) { return Submit(0, parts); }
  uint32_t Submit(uint16_t queue, std::vector<Part>& parts) {
    PostAt(queue, parts, Data(queue));
    State& s = state_[queue];
    uint32_t used_len = 0;
    m_->ReadObject(Desc(queue) + 0x2000 + 4 + 8 * (s.used_seen % kQueueSize) + 4, &used_len);
    ++s.used_seen;
    uint64_t data = Data(queue);
    for (auto& p : parts) {
      if (p.writable) m_->Read(data, p.bytes.data(), p.bytes.size());
      data += (p.bytes.size() + 4095) & ~4095ULL;
    }
    return used_len;
  }

  // Makes one chain available on `queue` and kicks, without waiting for the
  // device to use it (receive buffers the device fills later; see Used()).
  // Each posted chain gets its own memory, in the upper half of the queue's
  // buffer area (Submit's chains use the lower half).
  void Post(uint16_t queue, const std::vector<Part>& parts) {
    State& s = state_[queue];
    uint64_t size = 0;
    for (const auto& p : parts) size += (p.bytes.size() + 4095) & ~4095ULL;
    if (s.post_cursor + size > 0x100000) s.post_cursor = 0;
    PostAt(queue, parts, Data(queue) + 0x100000 + s.post_cursor);
    s.post_cursor += size;
  }

 private:
  void PostAt(uint16_t queue, const std::vector<Part>& parts, uint64_t data) {
    State& s = state_[queue];
    uint16_t first = s.next_desc;
    for (size_t i = 0; i < parts.size(); ++i) {
      uint16_t index = static_cast<uint16_t>((first + i) % kQueueSize);
      m_->Write(data, parts[i].bytes.data(), parts[i].bytes.size());
      uint64_t entry = Desc(queue) + 16ULL * index;
      m_->WriteObject(entry, data);
      m_->WriteObject(entry + 8, static_cast<uint32_t>(parts[i].bytes.size()));
      m_->WriteObject(entry + 12, static_cast<uint16_t>((parts[i].writable ? kDescFlagWrite : 0) |
                                                        (i + 1 < parts.size() ? kDescFlagNext : 0)));
      m_->WriteObject(entry + 14, static_cast<uint16_t>((index + 1) % kQueueSize));
      data += (parts[i].bytes.size() + 4095) & ~4095ULL;
    }
    s.next_desc = static_cast<uint16_t>((first + parts.size()) % kQueueSize);
    uint64_t avail = Desc(queue) + 0x1000;
    m_->WriteObject(avail + 4 + 2 * (s.avail_idx % kQueueSize), first);
    ++s.avail_idx;
    m_->WriteObject(avail + 2, s.avail_idx);
    Out(0x050, queue);
  }

 public:
  // The bytes the device wrote into the chain of used-ring entry `entry` of
  // `queue` (its first descriptor), or nullopt if the device has not used
  // that many buffers yet.
  std::optional<std::vector<uint8_t>> Used(uint16_t queue, uint16_t entry) {
    if (entry >= used_index(queue)) return std::nullopt;  // tests never wrap the ring
    uint64_t element = Desc(queue) + 0x2000 + 4 + 8ULL * (entry % kQueueSize);
    uint32_t head = 0, length = 0;
    m_->ReadObject(element, &head);
    m_->ReadObject(element + 4, &length);
    uint64_t address = 0;
    m_->ReadObject(Desc(queue) + 16ULL * head, &address);
    std::vector<uint8_t> bytes(length);
    m_->Read(address, bytes.data(), bytes.size());
    return bytes;
  }

  uint16_t used_index(uint16_t queue = 0) {
    uint16_t v = 0;
    m_->ReadObject(Desc(queue) + 0x2000 + 2, &v);
    return v;
  }

 private:
  static uint64_t Desc(uint16_t queue) { return kDesc + queue * 0x4000ULL; }
  static uint64_t Data(uint16_t queue) { return kData + queue * 0x200000ULL; }
  struct State {
    uint16_t next_desc = 0, avail_idx = 0, used_seen = 0;
    uint64_t post_cursor = 0;
  };
  VirtioMmioTransport* t_;
  const GuestMemory* m_;
  std::vector<State> state_;
};

}  // namespace tinyrange::virtio::testing
