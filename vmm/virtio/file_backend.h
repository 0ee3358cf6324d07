// A disk backed by one host file or block device.
//
// With `direct`, I/O bypasses the host page cache (O_DIRECT): the guest has
// its own cache, and a second one on the host costs memory and a copy.
// O_DIRECT needs block-aligned offsets, lengths and buffers; a request that
// is not aligned goes through a second, cached descriptor instead of
// failing, so correctness never depends on how the guest lays out buffers.
#pragma once

#include <memory>
#include <string>

#include "vmm/scoped_fd.h"
#include "vmm/virtio/block_backend.h"

namespace tinyrange::virtio {

class FileBackend : public BlockBackend {
 public:
  // Alignment O_DIRECT transfers need (the logical block size of nearly
  // every device; 4 KiB-sector devices need more and get the cached path).
  static constexpr uint64_t kDirectAlignment = 512;

  // Throws VmmError naming the file if it cannot be opened or sized.
  static std::unique_ptr<FileBackend> Open(const std::string& path, bool read_only, bool direct = false);

  uint64_t size_bytes() const override { return size_; }
  bool read_only() const override { return read_only_; }
  bool can_discard() const override { return regular_file_ && !read_only_; }
  bool Read(uint64_t offset, std::span<const iovec> iov) override;
  bool Write(uint64_t offset, std::span<const iovec> iov) override;
  bool Flush() override;
  int Discard(uint64_t offset, uint64_t length, bool zero) override;

 private:
  // The descriptor for a transfer: the O_DIRECT one when everything is
  // aligned to kDirectAlignment, the cached one otherwise.
  int FdFor(uint64_t offset, std::span<const iovec> iov) const;

  ScopedFd fd_;
  ScopedFd direct_fd_;  // valid only with `direct`
  uint64_t size_ = 0;
  bool read_only_ = false;
  bool regular_file_ = false;
};

}  // namespace tinyrange::virtio
