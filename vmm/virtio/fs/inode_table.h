// The FUSE node ids the guest holds, each backed by an O_PATH descriptor
// of the host inode. Keyed by (st_dev, st_ino) so that every name of one
// inode shares one node id; counted by lookups, as the FUSE protocol
// counts them, and dropped when the guest forgets them all. Node ids are
// never reused, so a stale id the guest still sends finds nothing.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <unordered_map>
#include <utility>

#include "vmm/scoped_fd.h"

namespace tinyrange::virtio::fs {

struct Inode {
  ScopedFd fd;  // O_PATH
  dev_t dev = 0;
  ino_t ino = 0;
  mode_t type = 0;  // st_mode & S_IFMT; an inode never changes type
  uint64_t lookups = 0;
};

class InodeTable {
 public:
  static constexpr uint64_t kRootId = 1;  // FUSE_ROOT_ID

  // `root` is an O_PATH descriptor of the shared directory; the root node
  // is never forgotten.
  InodeTable(ScopedFd root, dev_t dev, ino_t ino);

  // Counts one more lookup of the inode `fd` refers to (`dev`, `ino`,
  // `type` from its fstat) and returns its node id; `fd` is kept only if
  // the inode is new.
  uint64_t AddLookup(ScopedFd fd, dev_t dev, ino_t ino, mode_t type);
  // The node, or null if the id is unknown or forgotten.
  const Inode* Find(uint64_t id) const;
  // Drops `count` lookups; the node goes when none remain.
  void Forget(uint64_t id, uint64_t count);
  // Forgets every node but the root (FUSE_DESTROY, device reset).
  void Clear();
  size_t size() const { return nodes_.size(); }

 private:
  std::unordered_map<uint64_t, Inode> nodes_;
  std::map<std::pair<dev_t, ino_t>, uint64_t> by_inode_;
  uint64_t next_id_ = kRootId + 1;
};

}  // namespace tinyrange::virtio::fs
