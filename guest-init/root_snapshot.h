// A compact record of every path in the new root, taken before and after
// the install steps so that capture_writer.h can archive what they changed.
//
// A Debian root has tens of thousands of paths, so the table is one arena
// of path bytes plus an array of fixed-size records sorted by path (binary
// search), not a string per path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "guest-init/byte_buffer.h"

namespace tinyrange {

struct SnapshotRecord {
  uint64_t path_offset;  // in the arena
  uint32_t path_length;
  uint32_t mode;  // st_mode: type and permission bits
  uint64_t ino;
  uint64_t size;
  int64_t mtime_ns;
  int64_t ctime_ns;
  uint32_t uid;
  uint32_t gid;
};

class RootSnapshot {
 public:
  // Walks the tree under `root_fd` without following symlinks or crossing
  // into other filesystems (a path whose st_dev differs from the root's is
  // a mount point such as /proc: neither recorded nor entered). Paths are
  // relative ("usr/bin/ls"); the root itself is not recorded. Returns false
  // with `error` set if a directory cannot be read.
  bool Take(int root_fd, char* error, size_t error_size);

  size_t count() const { return records_.size() / sizeof(SnapshotRecord); }
  const SnapshotRecord& record(size_t i) const {
    return reinterpret_cast<const SnapshotRecord*>(records_.data())[i];
  }
  std::string_view path(const SnapshotRecord& r) const {
    return std::string_view(reinterpret_cast<const char*>(paths_.data()) + r.path_offset,
                            r.path_length);
  }
  // The record of `path`, or nullptr.
  const SnapshotRecord* Find(std::string_view path) const;

 private:
  bool Walk(int dir_fd, char* path, size_t path_length, char* error, size_t error_size);

  uint64_t root_dev_ = 0;
  ByteBuffer paths_;
  ByteBuffer records_;
};

// Records sort bytewise by path, which also puts every directory before
// the paths inside it.
bool SnapshotPathLess(std::string_view a, std::string_view b);

}  // namespace tinyrange
