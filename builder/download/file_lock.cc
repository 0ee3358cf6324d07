#include "builder/download/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace tinyrange::download {
namespace {

int FlockRetrying(int fd, int operation) {
  int rc;
  do {
    rc = flock(fd, operation);
  } while (rc != 0 && errno == EINTR);
  return rc;
}

}  // namespace

FileLock::FileLock(const std::string& path, LockMode mode) { Acquire(path, mode, false); }

std::unique_ptr<FileLock> FileLock::TryLock(const std::string& path, LockMode mode) {
  std::unique_ptr<FileLock> lock(new FileLock());
  if (!lock->Acquire(path, mode, true)) return nullptr;
  return lock;
}

bool FileLock::Acquire(const std::string& path, LockMode mode, bool nonblocking) {
  int operation = (mode == LockMode::kExclusive ? LOCK_EX : LOCK_SH) | (nonblocking ? LOCK_NB : 0);
  // A lock file may be deleted (by `tr cache gc`) between our open and our
  // flock; the lock would then be on an orphaned inode that nobody else
  // sees. Locking, then checking that the path still names the locked
  // inode, and retrying if not, closes that gap.
  for (;;) {
    fd_ = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw std::runtime_error("cannot open lock file " + path + ": " + std::strerror(errno));
    if (FlockRetrying(fd_, operation) != 0) {
      int e = errno;
      close(fd_);
      fd_ = -1;
      if (nonblocking && e == EWOULDBLOCK) return false;
      throw std::runtime_error("cannot lock " + path + ": " + std::strerror(e));
    }
    struct stat held {}, named {};
    if (fstat(fd_, &held) == 0 && stat(path.c_str(), &named) == 0 && held.st_ino == named.st_ino &&
        held.st_dev == named.st_dev) {
      return true;
    }
    close(fd_);
    fd_ = -1;
  }
}

void FileLock::Downgrade() {
  if (FlockRetrying(fd_, LOCK_SH) != 0) throw std::runtime_error(std::string("cannot downgrade lock: ") + std::strerror(errno));
}

void FileLock::Upgrade() {
  if (FlockRetrying(fd_, LOCK_EX) != 0) throw std::runtime_error(std::string("cannot upgrade lock: ") + std::strerror(errno));
}

FileLock::~FileLock() {
  if (fd_ >= 0) close(fd_);  // closing releases the lock
}

}  // namespace tinyrange::download
