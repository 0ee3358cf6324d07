// An advisory lock on a lock file (flock), shared by every tr process on the
// machine: two processes wanting the same cache entry make it once; the
// second waits, then finds it made. Shared locks mark an entry as in use,
// so `tr cache gc` (which needs the exclusive lock) leaves it alone.
#pragma once

#include <memory>
#include <string>

namespace tinyrange::download {

enum class LockMode { kExclusive, kShared };

class FileLock {
 public:
  // Blocks until the lock on `path` (created if needed) is held; throws
  // std::runtime_error naming the path if it cannot be opened.
  explicit FileLock(const std::string& path, LockMode mode = LockMode::kExclusive);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

  // Takes the lock only if no other holder is in the way; null otherwise.
  static std::unique_ptr<FileLock> TryLock(const std::string& path, LockMode mode);

  // Turns an exclusive lock into a shared one (others may then share it).
  void Downgrade();
  // Turns a shared lock into an exclusive one, waiting for other holders.
  // The conversion is not atomic (flock's rule): the caller re-checks
  // whatever it tested under the shared lock.
  void Upgrade();

 private:
  FileLock() = default;
  // Opens and locks; false (fd closed) if `nonblocking` and it is held.
  bool Acquire(const std::string& path, LockMode mode, bool nonblocking);

  int fd_ = -1;
};

}  // namespace tinyrange::download
