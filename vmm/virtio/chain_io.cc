#include "vmm/virtio/chain_io.h"

#include <cstring>

namespace tinyrange::virtio {

bool ChainIo::Iovecs(bool writable, uint64_t offset, uint64_t length, std::vector<iovec>* out) const {
  out->clear();
  uint64_t skip = offset;
  uint64_t remaining = length;
  for (const Buffer& b : chain_.buffers) {
    if (b.device_writable != writable || remaining == 0) continue;
    if (skip >= b.length) {
      skip -= b.length;
      continue;
    }
    uint64_t take = std::min<uint64_t>(b.length - skip, remaining);
    uint8_t* host = memory_.HostAddress(b.address + skip, take);
    if (!host) return false;
    out->push_back({host, static_cast<size_t>(take)});
    remaining -= take;
    skip = 0;
  }
  return remaining == 0;
}

bool ChainIo::ReadReadable(uint64_t offset, std::span<uint8_t> out) const {
  std::vector<iovec> iov;
  if (!Iovecs(false, offset, out.size(), &iov)) return false;
  size_t done = 0;
  for (const auto& v : iov) {
    std::memcpy(out.data() + done, v.iov_base, v.iov_len);
    done += v.iov_len;
  }
  return true;
}

bool ChainIo::WriteWritable(uint64_t offset, std::span<const uint8_t> data) const {
  std::vector<iovec> iov;
  if (!Iovecs(true, offset, data.size(), &iov)) return false;
  size_t done = 0;
  for (const auto& v : iov) {
    std::memcpy(v.iov_base, data.data() + done, v.iov_len);
    done += v.iov_len;
  }
  return true;
}

}  // namespace tinyrange::virtio
