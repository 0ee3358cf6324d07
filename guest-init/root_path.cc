#include "guest-init/root_path.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>

// musl has neither an openat2 wrapper nor the kernel's <linux/openat2.h>,
// so the ABI is spelled out here (include/uapi/linux/openat2.h).
#ifndef SYS_openat2
#define SYS_openat2 437
#endif

namespace tinyrange {

namespace {

struct OpenHow {
  uint64_t flags;
  uint64_t mode;
  uint64_t resolve;
};
constexpr uint64_t kResolveNoMagicLinks = 0x02;
constexpr uint64_t kResolveInRoot = 0x10;

}  // namespace

int OpenInRoot(int root_fd, const char* path, int flags, mode_t mode) {
  OpenHow how{static_cast<uint64_t>(flags | O_CLOEXEC), mode,
              kResolveInRoot | kResolveNoMagicLinks};
  for (;;) {
    long fd = syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
    if (fd >= 0) return static_cast<int>(fd);
    // EAGAIN: a concurrent rename raced the lookup; nothing here renames,
    // but retrying is what the interface asks for.
    if (errno != EINTR && errno != EAGAIN) return -errno;
  }
}

int OpenParentInRoot(int root_fd, const char* name, bool create, const char** base) {
  const char* slash = strrchr(name, '/');
  if (slash == nullptr) {
    *base = name;
    int fd = fcntl(root_fd, F_DUPFD_CLOEXEC, 0);
    return fd >= 0 ? fd : -errno;
  }
  *base = slash + 1;
  size_t parent_len = static_cast<size_t>(slash - name);
  char path[PATH_MAX];
  if (parent_len >= sizeof(path)) return -ENAMETOOLONG;
  memcpy(path, name, parent_len);
  path[parent_len] = '\0';
  int fd = OpenInRoot(root_fd, path, O_PATH | O_DIRECTORY);
  if (fd != -ENOENT || !create) return fd;

  // Slow path: make each missing directory, from the top. Every prefix is
  // resolved from the root again, so a symlink among them is followed
  // inside the root, never relative to a directory already opened.
  int current = fcntl(root_fd, F_DUPFD_CLOEXEC, 0);
  if (current < 0) return -errno;
  size_t start = 0;
  while (start < parent_len) {
    size_t end = start;
    while (end < parent_len && name[end] != '/') ++end;
    path[end] = '\0';
    int next = OpenInRoot(root_fd, path, O_PATH | O_DIRECTORY);
    if (next == -ENOENT) {
      if (mkdirat(current, path + start, 0755) != 0 && errno != EEXIST) {
        int err = errno;
        close(current);
        return -err;
      }
      next = OpenInRoot(root_fd, path, O_PATH | O_DIRECTORY);
    }
    close(current);
    if (next < 0) return next;
    current = next;
    path[end] = '/';
    start = end + 1;
  }
  return current;
}

}  // namespace tinyrange
