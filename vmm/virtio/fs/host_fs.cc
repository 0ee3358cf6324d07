#include "vmm/virtio/fs/host_fs.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

namespace tinyrange::virtio::fs {

int OpenBeneath(int dir, const char* name, int flags, unsigned mode) {
  open_how how = {};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  // The kernel rejects a mode without O_CREAT/O_TMPFILE.
  how.mode = (flags & O_CREAT) ? mode : 0;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS;
  long fd;
  do {
    fd = syscall(SYS_openat2, dir, name, &how, sizeof how);
  } while (fd < 0 && errno == EAGAIN);  // a concurrent rename on the host: retry
  return fd < 0 ? -errno : static_cast<int>(fd);
}

std::string ProcFdPath(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

int Reopen(int path_fd, int flags) {
  int fd = open(ProcFdPath(path_fd).c_str(), (flags & ~(O_CREAT | O_EXCL | O_NOFOLLOW)) | O_CLOEXEC);
  return fd < 0 ? -errno : fd;
}

namespace {

std::string KernelPath(int fd) {
  char buf[PATH_MAX + 1];
  ssize_t n = readlink(ProcFdPath(fd).c_str(), buf, PATH_MAX);
  if (n <= 0) return {};
  return std::string(buf, static_cast<size_t>(n));
}

}  // namespace

bool IsInside(int fd, int root_fd) {
  std::string root = KernelPath(root_fd);
  std::string path = KernelPath(fd);
  if (root.empty() || path.empty() || root[0] != '/') return false;
  if (root == "/") return path[0] == '/';
  return path == root || (path.size() > root.size() && path.compare(0, root.size(), root) == 0 &&
                          path[root.size()] == '/');
}

}  // namespace tinyrange::virtio::fs
