#include "vmm/virtio/fs/handle_table.h"

namespace tinyrange::virtio::fs {

uint64_t HandleTable::Add(ScopedFd fd, bool directory) {
  uint64_t fh = next_++;
  handles_.emplace(fh, Handle{std::move(fd), directory});
  return fh;
}

int HandleTable::Find(uint64_t fh, bool directory) const {
  auto it = handles_.find(fh);
  if (it == handles_.end() || it->second.directory != directory) return -1;
  return it->second.fd.get();
}

bool HandleTable::Remove(uint64_t fh, bool directory) {
  auto it = handles_.find(fh);
  if (it == handles_.end() || it->second.directory != directory) return false;
  handles_.erase(it);
  return true;
}

}  // namespace tinyrange::virtio::fs
