#include "vmm/virtio/split_queue.h"

#include <atomic>

namespace tinyrange::virtio {

struct RawDescriptor {
  uint64_t address;
  uint32_t length;
  uint16_t flags;
  uint16_t next;
};
static_assert(sizeof(RawDescriptor) == 16);

namespace {

constexpr uint64_t kDescriptorSize = 16;
constexpr uint64_t kRingHeader = 4;  // flags, idx
constexpr uint64_t kUsedElementSize = 8;
// A chain (direct or through an indirect table) never needs more buffers
// than this; the bound also caps what a hostile driver can make us store.
constexpr size_t kMaxBuffers = kMaxQueueSize;

uint64_t AvailRingBytes(uint16_t size, bool event_idx) { return kRingHeader + 2ULL * size + (event_idx ? 2 : 0); }
uint64_t UsedRingBytes(uint16_t size, bool event_idx) {
  return kRingHeader + kUsedElementSize * size + (event_idx ? 2 : 0);
}

// The device and the driver share the rings; these make the accesses
// single loads and stores with the ordering the spec requires.
template <typename T>
T LoadAcquire(uint8_t* p) {
  return __atomic_load_n(reinterpret_cast<T*>(p), __ATOMIC_ACQUIRE);
}
template <typename T>
void StoreRelease(uint8_t* p, T value) {
  __atomic_store_n(reinterpret_cast<T*>(p), value, __ATOMIC_RELEASE);
}

}  // namespace

std::string SplitQueue::Configure(const GuestMemory* memory, const QueueLayout& l, bool event_idx) {
  Reset();
  if (l.size == 0 || l.size > kMaxQueueSize || (l.size & (l.size - 1)) != 0) {
    return "queue size " + std::to_string(l.size) + " is not a power of two up to 32768";
  }
  if (l.descriptors % 16 || l.driver_area % 2 || l.device_area % 4) return "ring addresses are misaligned";
  if (!memory->IsRam(l.descriptors, kDescriptorSize * l.size)) return "descriptor table is outside guest RAM";
  if (!memory->IsRam(l.driver_area, AvailRingBytes(l.size, event_idx))) return "driver area is outside guest RAM";
  if (!memory->IsRam(l.device_area, UsedRingBytes(l.size, event_idx))) return "device area is outside guest RAM";
  memory_ = memory;
  layout_ = l;
  event_idx_ = event_idx;
  return "";
}

void SplitQueue::Reset() {
  memory_ = nullptr;
  layout_ = {};
  event_idx_ = false;
  broken_ = false;
  next_avail_ = next_used_ = last_signalled_used_ = 0;
}

bool SplitQueue::Fail(std::string* error, const std::string& what) {
  broken_ = true;
  if (error) *error = what;
  return false;
}

bool SplitQueue::ReadDescriptor(uint64_t table, uint32_t table_size, uint16_t index, RawDescriptor* out) const {
  if (index >= table_size) return false;
  return memory_->ReadObject(table + kDescriptorSize * index, out);
}

bool SplitQueue::AddBuffer(DescriptorChain& chain, uint64_t address, uint32_t length, bool writable,
                           std::string* error) {
  if (chain.buffers.size() >= kMaxBuffers) return Fail(error, "descriptor chain is too long");
  if (!memory_->IsRam(address, length)) return Fail(error, "descriptor buffer is outside guest RAM");
  // The spec puts every device-readable buffer before the writable ones.
  if (!writable && chain.writable_bytes > 0) return Fail(error, "readable descriptor after a writable one");
  chain.buffers.push_back({address, length, writable});
  (writable ? chain.writable_bytes : chain.readable_bytes) += length;
  return true;
}

std::optional<DescriptorChain> SplitQueue::Pop(std::string* error) {
  if (!memory_ || broken_) return std::nullopt;
  uint8_t* avail = memory_->HostAddress(layout_.driver_area, AvailRingBytes(layout_.size, event_idx_));
  uint16_t avail_idx = LoadAcquire<uint16_t>(avail + 2);
  uint16_t pending = static_cast<uint16_t>(avail_idx - next_avail_);
  if (pending == 0) return std::nullopt;
  if (pending > layout_.size) {
    Fail(error, "driver made more buffers available than the queue holds");
    return std::nullopt;
  }
  uint16_t head = LoadAcquire<uint16_t>(avail + kRingHeader + 2 * (next_avail_ % layout_.size));
  if (head >= layout_.size) {
    Fail(error, "available ring names descriptor " + std::to_string(head) + " beyond the queue");
    return std::nullopt;
  }
  ++next_avail_;
  if (event_idx_) {
    // avail_event: tell the driver which index we will look at next.
    uint8_t* used = memory_->HostAddress(layout_.device_area, UsedRingBytes(layout_.size, true));
    StoreRelease<uint16_t>(used + kRingHeader + kUsedElementSize * layout_.size, next_avail_);
  }

  DescriptorChain chain;
  chain.head = head;
  uint64_t table = layout_.descriptors;
  uint32_t table_size = layout_.size;
  bool in_indirect = false;
  uint16_t index = head;
  // A well-formed chain visits each descriptor of its table at most once,
  // so more steps than the table has entries means a loop.
  uint32_t steps = 0;
  for (;;) {
    if (++steps > table_size) {
      Fail(error, "descriptor chain loops");
      return std::nullopt;
    }
    RawDescriptor d;
    if (!ReadDescriptor(table, table_size, index, &d)) {
      Fail(error, "descriptor index " + std::to_string(index) + " is out of range");
      return std::nullopt;
    }
    if (d.flags & kDescFlagIndirect) {
      if (in_indirect) {
        Fail(error, "nested indirect descriptor table");
        return std::nullopt;
      }
      if (d.flags & kDescFlagNext) {
        Fail(error, "indirect descriptor with NEXT set");
        return std::nullopt;
      }
      if (d.length == 0 || d.length % kDescriptorSize != 0 || d.length / kDescriptorSize > kMaxQueueSize) {
        Fail(error, "indirect table length " + std::to_string(d.length) + " is invalid");
        return std::nullopt;
      }
      if (!memory_->IsRam(d.address, d.length)) {
        Fail(error, "indirect table is outside guest RAM");
        return std::nullopt;
      }
      table = d.address;
      table_size = static_cast<uint32_t>(d.length / kDescriptorSize);
      in_indirect = true;
      index = 0;
      steps = 0;
      continue;
    }
    if (!AddBuffer(chain, d.address, d.length, d.flags & kDescFlagWrite, error)) return std::nullopt;
    if (!(d.flags & kDescFlagNext)) break;
    index = d.next;
  }
  return chain;
}

void SplitQueue::Push(uint16_t head, uint32_t written) {
  if (!memory_) return;
  uint8_t* used = memory_->HostAddress(layout_.device_area, UsedRingBytes(layout_.size, event_idx_));
  uint8_t* element = used + kRingHeader + kUsedElementSize * (next_used_ % layout_.size);
  uint32_t id = head;
  __atomic_store_n(reinterpret_cast<uint32_t*>(element), id, __ATOMIC_RELAXED);
  __atomic_store_n(reinterpret_cast<uint32_t*>(element + 4), written, __ATOMIC_RELAXED);
  ++next_used_;
  // The element must be visible before the index that publishes it.
  StoreRelease<uint16_t>(used + 2, next_used_);
}

bool SplitQueue::ShouldInterrupt() {
  if (!memory_) return false;
  // Order our used-index store before reading the driver's suppression state.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  uint8_t* avail = memory_->HostAddress(layout_.driver_area, AvailRingBytes(layout_.size, event_idx_));
  uint16_t old = last_signalled_used_;
  uint16_t now = next_used_;
  last_signalled_used_ = now;
  if (old == now) return false;
  if (!event_idx_) return !(LoadAcquire<uint16_t>(avail) & kAvailFlagNoInterrupt);
  uint16_t used_event = LoadAcquire<uint16_t>(avail + kRingHeader + 2ULL * layout_.size);
  // Interrupt if used_event lies in (old, now]: the spec's vring_need_event.
  return static_cast<uint16_t>(now - used_event - 1) < static_cast<uint16_t>(now - old);
}

}  // namespace tinyrange::virtio
