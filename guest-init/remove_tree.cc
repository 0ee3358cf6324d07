#include "guest-init/remove_tree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tinyrange {

int RemoveTree(int dir_fd, const char* path) {
  if (unlinkat(dir_fd, path, 0) == 0) return 0;
  if (errno == ENOENT) return 0;
  if (errno != EISDIR && errno != EPERM) return errno;  // EPERM: Linux says so for directories
  int fd = openat(dir_fd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return errno;
  DIR* dir = fdopendir(fd);
  if (dir == nullptr) {
    int err = errno;
    close(fd);
    return err;
  }
  int result = 0;
  while (struct dirent* d = readdir(dir)) {
    if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0) continue;
    result = RemoveTree(dirfd(dir), d->d_name);
    if (result != 0) break;
  }
  closedir(dir);
  if (result != 0) return result;
  if (unlinkat(dir_fd, path, AT_REMOVEDIR) != 0 && errno != ENOENT) return errno;
  return 0;
}

}  // namespace tinyrange
