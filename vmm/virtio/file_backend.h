// A disk backed by one host file or block device.
#pragma once

#include <memory>
#include <string>

#include "vmm/scoped_fd.h"
#include "vmm/virtio/block_backend.h"

namespace tinyrange::virtio {

class FileBackend : public BlockBackend {
 public:
  // Throws VmmError naming the file if it cannot be opened or sized.
  static std::unique_ptr<FileBackend> Open(const std::string& path, bool read_only);

  uint64_t size_bytes() const override { return size_; }
  bool read_only() const override { return read_only_; }
  bool can_discard() const override { return regular_file_ && !read_only_; }
  bool Read(uint64_t offset, std::span<const iovec> iov) override;
  bool Write(uint64_t offset, std::span<const iovec> iov) override;
  bool Flush() override;
  int Discard(uint64_t offset, uint64_t length, bool zero) override;

 private:
  ScopedFd fd_;
  uint64_t size_ = 0;
  bool read_only_ = false;
  bool regular_file_ = false;
};

}  // namespace tinyrange::virtio
