// FUSE file handles: the descriptors OPEN, CREATE and OPENDIR opened for
// the guest, until RELEASE. Handles are never reused, so a stale handle
// finds nothing; a directory handle is never accepted where a file handle
// is expected, or the reverse.
#pragma once

#include <cstdint>
#include <unordered_map>

#include "vmm/scoped_fd.h"

namespace tinyrange::virtio::fs {

class HandleTable {
 public:
  uint64_t Add(ScopedFd fd, bool directory);
  // The descriptor, or -1 if `fh` is unknown or of the other kind.
  int Find(uint64_t fh, bool directory) const;
  // False if `fh` is unknown or of the other kind.
  bool Remove(uint64_t fh, bool directory);
  void Clear() { handles_.clear(); }
  size_t size() const { return handles_.size(); }

 private:
  struct Handle {
    ScopedFd fd;
    bool directory;
  };
  std::unordered_map<uint64_t, Handle> handles_;
  uint64_t next_ = 1;
};

}  // namespace tinyrange::virtio::fs
