// An exclusive advisory lock on a lock file (flock), shared by every tr
// process on the machine: two processes wanting the same cache entry make
// it once; the second waits, then finds it made.
#pragma once

#include <string>

namespace tinyrange::download {

class FileLock {
 public:
  // Blocks until the lock on `path` (created if needed) is held; throws
  // std::runtime_error naming the path if it cannot be opened.
  explicit FileLock(const std::string& path);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace tinyrange::download
