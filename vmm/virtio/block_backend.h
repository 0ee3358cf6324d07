// Where a virtio-blk disk's bytes live. The device speaks sectors and
// guest buffers; a backend serves byte ranges into or from host iovecs
// (which point straight into guest memory).
#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <span>

namespace tinyrange::virtio {

class BlockBackend {
 public:
  virtual ~BlockBackend() = default;
  virtual uint64_t size_bytes() const = 0;
  virtual bool read_only() const = 0;
  virtual bool can_discard() const = 0;
  // Fill / write exactly the iovecs' total length at `offset`; false on
  // any I/O error. The device has checked the range against size_bytes().
  virtual bool Read(uint64_t offset, std::span<const iovec> iov) = 0;
  virtual bool Write(uint64_t offset, std::span<const iovec> iov) = 0;
  virtual bool Flush() = 0;
  // Deallocates (or zeroes) a range; returns 0 or an errno value.
  virtual int Discard(uint64_t offset, uint64_t length, bool zero) = 0;
};

// Reads or writes the iovecs at `offset` of `fd`, looping over short
// transfers and the IOV_MAX limit.
bool TransferAll(int fd, bool write, uint64_t offset, std::span<const iovec> iov);

}  // namespace tinyrange::virtio
