// A synthetic virtio-net driver for device tests: plays the guest over a
// VirtioMmioTransport on synthetic guest memory with both queues live, and
// lets a test post receive buffers and transmit frames independently (the
// shared TestDriver drives one queue, one chain at a time).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "vmm/devices/bus.h"
#include "vmm/guest_memory.h"
#include "vmm/virtio/virtio_mmio.h"

namespace tinyrange::virtio::testing {

class NetTestDriver {
 public:
  static constexpr uint16_t kQueueSize = 16;
  // Every descriptor owns a data slot big enough for the largest frame.
  static constexpr uint64_t kSlotSize = 0x11000;

  struct Used {
    uint16_t head;
    uint32_t length;
  };

  NetTestDriver(VirtioMmioTransport* transport, const GuestMemory* memory) : t_(transport), m_(memory) {
    for (uint16_t i = 0; i < 2; ++i) {
      uint64_t base = 0x10000 + 0x10000ULL * i;
      queues_[i] = {base, base + 0x1000, base + 0x2000, 0x100000 + 0x200000ULL * i};
    }
  }

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

  // The Linux driver's handshake, accepting every offered feature.
  bool Start() {
    for (auto& q : queues_) q.next_desc = q.avail_idx = q.used_seen = 0;
    Out(0x070, 0);
    Out(0x070, kStatusAcknowledge | kStatusDriver);
    Out(0x014, 0);
    uint64_t features = In(0x010);
    Out(0x014, 1);
    features |= static_cast<uint64_t>(In(0x010)) << 32;
    Out(0x024, 0);
    Out(0x020, static_cast<uint32_t>(features));
    Out(0x024, 1);
    Out(0x020, static_cast<uint32_t>(features >> 32));
    Out(0x070, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk);
    for (uint32_t i = 0; i < 2; ++i) {
      Out(0x030, i);
      Out(0x038, kQueueSize);
      Out(0x080, static_cast<uint32_t>(queues_[i].desc));
      Out(0x090, static_cast<uint32_t>(queues_[i].avail));
      Out(0x0a0, static_cast<uint32_t>(queues_[i].used));
      Out(0x044, 1);
    }
    Out(0x070, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk | kStatusDriverOk);
    return In(0x070) & kStatusDriverOk;
  }
  void Reset() { Out(0x070, 0); }

  // Posts a chain of device-writable buffers with these sizes; returns
  // its head. Kicks unless told not to.
  uint16_t PostReceive(std::vector<uint32_t> sizes, bool kick = true) {
    std::vector<Part> parts;
    for (uint32_t size : sizes) parts.push_back({std::vector<uint8_t>(size, 0xee), true});
    return Post(0, parts, kick);
  }
  // Transmits `bytes` (header included), split into descriptors at the
  // given offsets.
  uint16_t Transmit(std::span<const uint8_t> bytes, std::vector<size_t> splits = {}) {
    std::vector<Part> parts;
    size_t start = 0;
    splits.push_back(bytes.size());
    for (size_t end : splits) {
      parts.push_back({std::vector<uint8_t>(bytes.begin() + static_cast<long>(start), bytes.begin() + static_cast<long>(end)), false});
      start = end;
    }
    return Post(1, parts, true);
  }

  std::optional<Used> NextUsed(uint16_t queue) {
    Queue& q = queues_[queue];
    uint16_t used_idx = __atomic_load_n(Index(q.used + 2), __ATOMIC_ACQUIRE);
    if (used_idx == q.used_seen) return std::nullopt;
    Used u{};
    uint32_t id = 0;
    m_->ReadObject(q.used + 4 + 8 * (q.used_seen % kQueueSize), &id);
    m_->ReadObject(q.used + 4 + 8 * (q.used_seen % kQueueSize) + 4, &u.length);
    u.head = static_cast<uint16_t>(id);
    ++q.used_seen;
    return u;
  }
  // The bytes of the first `length` bytes of a chain whose buffers were
  // one slot each (as Post lays them out), in chain order.
  std::vector<uint8_t> ReadChain(uint16_t queue, uint16_t head, size_t length) {
    std::vector<uint8_t> out;
    uint16_t index = head;
    while (out.size() < length) {
      uint32_t len = 0;
      uint16_t flags = 0, next = 0;
      m_->ReadObject(queues_[queue].desc + 16ULL * index + 8, &len);
      m_->ReadObject(queues_[queue].desc + 16ULL * index + 12, &flags);
      m_->ReadObject(queues_[queue].desc + 16ULL * index + 14, &next);
      size_t n = std::min<size_t>(len, length - out.size());
      std::vector<uint8_t> bytes(n);
      m_->Read(Slot(queue, index), bytes.data(), n);
      out.insert(out.end(), bytes.begin(), bytes.end());
      if (!(flags & kDescFlagNext)) break;
      index = next;
    }
    return out;
  }

 private:
  struct Part {
    std::vector<uint8_t> bytes;
    bool writable;
  };
  struct Queue {
    uint64_t desc, avail, used, data;
    uint16_t next_desc = 0, avail_idx = 0, used_seen = 0;
  };

  uint16_t* Index(uint64_t gpa) const { return reinterpret_cast<uint16_t*>(m_->HostAddress(gpa, 2)); }
  uint64_t Slot(uint16_t queue, uint16_t index) const { return queues_[queue].data + kSlotSize * index; }

  uint16_t Post(uint16_t queue, const std::vector<Part>& parts, bool kick) {
    Queue& q = queues_[queue];
    uint16_t first = q.next_desc;
    for (size_t i = 0; i < parts.size(); ++i) {
      uint16_t index = static_cast<uint16_t>((first + i) % kQueueSize);
      uint64_t addr = Slot(queue, index);
      m_->Write(addr, parts[i].bytes.data(), parts[i].bytes.size());
      uint32_t len = static_cast<uint32_t>(parts[i].bytes.size());
      uint16_t flags = static_cast<uint16_t>((parts[i].writable ? kDescFlagWrite : 0) |
                                             (i + 1 < parts.size() ? kDescFlagNext : 0));
      uint16_t next = static_cast<uint16_t>((index + 1) % kQueueSize);
      m_->WriteObject(q.desc + 16ULL * index, addr);
      m_->WriteObject(q.desc + 16ULL * index + 8, len);
      m_->WriteObject(q.desc + 16ULL * index + 12, flags);
      m_->WriteObject(q.desc + 16ULL * index + 14, next);
    }
    q.next_desc = static_cast<uint16_t>((first + parts.size()) % kQueueSize);
    m_->WriteObject(q.avail + 4 + 2 * (q.avail_idx % kQueueSize), first);
    ++q.avail_idx;
    // The device may be reading the ring on another thread right now (the
    // backend's): publish the index as a guest's store-release does.
    __atomic_store_n(Index(q.avail + 2), q.avail_idx, __ATOMIC_RELEASE);
    if (kick) Out(0x050, queue);
    return first;
  }

  VirtioMmioTransport* t_;
  const GuestMemory* m_;
  Queue queues_[2];
};

}  // namespace tinyrange::virtio::testing
