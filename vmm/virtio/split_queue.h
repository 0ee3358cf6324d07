// The device side of a virtio split virtqueue (virtio 1.x, section 2.7),
// over untrusted guest memory.
//
// Everything the guest wrote is checked before use: ring addresses and
// sizes against guest RAM when the queue is configured, every descriptor
// index against the queue size, every buffer against guest RAM, chains
// against loops (a chain is never longer than the queue), indirect tables
// against their length rules (a multiple of 16 bytes, not nested, not
// combined with NEXT). A malformed chain makes Pop() report an error
// instead of a chain; the device then sets DEVICE_NEEDS_RESET. Nothing the
// guest writes can make the device read or write host memory outside
// guest RAM, or loop.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vmm/guest_memory.h"

namespace tinyrange::virtio {

inline constexpr uint16_t kDescFlagNext = 1;
inline constexpr uint16_t kDescFlagWrite = 2;
inline constexpr uint16_t kDescFlagIndirect = 4;
inline constexpr uint16_t kAvailFlagNoInterrupt = 1;
inline constexpr uint16_t kMaxQueueSize = 32768;

// One guest buffer of a chain, already checked to lie in guest RAM.
struct Buffer {
  uint64_t address;
  uint32_t length;
  bool device_writable;
};

struct DescriptorChain {
  uint16_t head;  // what goes back in the used ring
  std::vector<Buffer> buffers;  // readable buffers first, then writable
  uint64_t readable_bytes = 0;
  uint64_t writable_bytes = 0;
};

struct QueueLayout {
  uint16_t size = 0;
  uint64_t descriptors = 0;
  uint64_t driver_area = 0;  // avail ring
  uint64_t device_area = 0;  // used ring
};

class SplitQueue {
 public:
  // Checks the layout against guest memory and the spec's alignment and
  // size rules; returns an error message, or "" on success.
  std::string Configure(const GuestMemory* memory, const QueueLayout& layout, bool event_idx);
  void Reset();
  bool ready() const { return memory_ != nullptr; }
  uint16_t size() const { return layout_.size; }

  // The next chain the driver made available; nullopt if there is none.
  // On a malformed chain sets *error and returns nullopt; the queue is
  // then broken and returns nothing more until Reset.
  std::optional<DescriptorChain> Pop(std::string* error);
  // Returns a chain to the driver with the number of bytes written.
  void Push(uint16_t head, uint32_t written);
  // Whether the driver wants an interrupt for what was pushed since the
  // last call (honours VIRTQ_AVAIL_F_NO_INTERRUPT or, with EVENT_IDX,
  // used_event).
  bool ShouldInterrupt();
  bool broken() const { return broken_; }

 private:
  bool ReadDescriptor(uint64_t table, uint32_t table_size, uint16_t index, struct RawDescriptor* out) const;
  bool AddBuffer(DescriptorChain& chain, uint64_t address, uint32_t length, bool writable, std::string* error);
  bool Fail(std::string* error, const std::string& what);

  const GuestMemory* memory_ = nullptr;
  QueueLayout layout_;
  bool event_idx_ = false;
  bool broken_ = false;
  uint16_t next_avail_ = 0;
  uint16_t next_used_ = 0;
  uint16_t last_signalled_used_ = 0;
};

}  // namespace tinyrange::virtio
