#include "vmm/virtio/fs/inode_table.h"

#include <sys/stat.h>

namespace tinyrange::virtio::fs {

InodeTable::InodeTable(ScopedFd root, dev_t dev, ino_t ino) {
  Inode& node = nodes_[kRootId];
  node.fd = std::move(root);
  node.dev = dev;
  node.ino = ino;
  node.type = S_IFDIR;
  node.lookups = 1;
  by_inode_[{dev, ino}] = kRootId;
}

uint64_t InodeTable::AddLookup(ScopedFd fd, dev_t dev, ino_t ino, mode_t type) {
  auto it = by_inode_.find({dev, ino});
  if (it != by_inode_.end()) {
    ++nodes_[it->second].lookups;
    return it->second;
  }
  uint64_t id = next_id_++;
  Inode& node = nodes_[id];
  node.fd = std::move(fd);
  node.dev = dev;
  node.ino = ino;
  node.type = type;
  node.lookups = 1;
  by_inode_[{dev, ino}] = id;
  return id;
}

const Inode* InodeTable::Find(uint64_t id) const {
  auto it = nodes_.find(id);
  return it == nodes_.end() ? nullptr : &it->second;
}

void InodeTable::Forget(uint64_t id, uint64_t count) {
  if (id == kRootId) return;
  auto it = nodes_.find(id);
  if (it == nodes_.end()) return;
  Inode& node = it->second;
  if (count < node.lookups) {
    node.lookups -= count;
    return;
  }
  by_inode_.erase({node.dev, node.ino});
  nodes_.erase(it);
}

void InodeTable::Clear() {
  for (auto it = nodes_.begin(); it != nodes_.end();) {
    if (it->first == kRootId) {
      ++it;
      continue;
    }
    by_inode_.erase({it->second.dev, it->second.ino});
    it = nodes_.erase(it);
  }
}

}  // namespace tinyrange::virtio::fs
