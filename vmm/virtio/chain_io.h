// Byte-level access to a descriptor chain's buffers, for request parsing:
// gather from the device-readable part, scatter into the device-writable
// part, and host iovecs over a range for zero-copy file I/O. All buffers
// were checked against guest RAM when the chain was popped.
#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <span>
#include <vector>

#include "vmm/guest_memory.h"
#include "vmm/virtio/split_queue.h"

namespace tinyrange::virtio {

class ChainIo {
 public:
  ChainIo(const GuestMemory& memory, const DescriptorChain& chain) : memory_(memory), chain_(chain) {}

  // Copies readable bytes [offset, offset+out.size()); false if short.
  bool ReadReadable(uint64_t offset, std::span<uint8_t> out) const;
  // Copies into writable bytes [offset, ...); false if short.
  bool WriteWritable(uint64_t offset, std::span<const uint8_t> data) const;
  // iovecs covering readable (or writable) bytes [offset, offset+length).
  bool Iovecs(bool writable, uint64_t offset, uint64_t length, std::vector<iovec>* out) const;

 private:
  const GuestMemory& memory_;
  const DescriptorChain& chain_;
};

}  // namespace tinyrange::virtio
