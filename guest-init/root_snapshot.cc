#include "guest-init/root_snapshot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

namespace tinyrange {

bool SnapshotPathLess(std::string_view a, std::string_view b) { return a < b; }

bool RootSnapshot::Take(int root_fd, char* error, size_t error_size) {
  paths_.clear();
  records_.clear();
  struct stat st;
  if (fstat(root_fd, &st) != 0) {
    snprintf(error, error_size, "snapshot: stat the root: %s", strerror(errno));
    return false;
  }
  root_dev_ = st.st_dev;
  int fd = openat(root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    snprintf(error, error_size, "snapshot: open the root: %s", strerror(errno));
    return false;
  }
  static char path[PATH_MAX];
  if (!Walk(fd, path, 0, error, error_size)) return false;
  SnapshotRecord* begin = reinterpret_cast<SnapshotRecord*>(records_.data());
  const char* arena = reinterpret_cast<const char*>(paths_.data());
  std::sort(begin, begin + count(), [arena](const SnapshotRecord& a, const SnapshotRecord& b) {
    return std::string_view(arena + a.path_offset, a.path_length) <
           std::string_view(arena + b.path_offset, b.path_length);
  });
  return true;
}

// `dir_fd` is the open directory at `path` (path_length bytes, "" for the
// root); closes it.
bool RootSnapshot::Walk(int dir_fd, char* path, size_t path_length, char* error,
                        size_t error_size) {
  DIR* dir = fdopendir(dir_fd);
  if (dir == nullptr) {
    snprintf(error, error_size, "snapshot: read /%.*s: %s", static_cast<int>(path_length), path,
             strerror(errno));
    close(dir_fd);
    return false;
  }
  bool ok = true;
  while (ok) {
    errno = 0;
    struct dirent* d = readdir(dir);
    if (d == nullptr) {
      if (errno != 0) {
        snprintf(error, error_size, "snapshot: read /%.*s: %s", static_cast<int>(path_length), path,
                 strerror(errno));
        ok = false;
      }
      break;
    }
    const char* name = d->d_name;
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) continue;
    struct stat st;
    if (fstatat(dirfd(dir), name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) continue;  // gone meanwhile
      snprintf(error, error_size, "snapshot: stat /%.*s/%s: %s", static_cast<int>(path_length),
               path, name, strerror(errno));
      ok = false;
      break;
    }
    if (st.st_dev != root_dev_) continue;  // a mount point
    size_t name_length = strlen(name);
    size_t child_length = path_length + (path_length ? 1 : 0) + name_length;
    if (child_length >= PATH_MAX) {
      snprintf(error, error_size, "snapshot: path too long under /%.*s",
               static_cast<int>(path_length), path);
      ok = false;
      break;
    }
    if (path_length) path[path_length] = '/';
    memcpy(path + child_length - name_length, name, name_length);
    path[child_length] = '\0';
    SnapshotRecord r;
    r.path_offset = paths_.size();
    r.path_length = static_cast<uint32_t>(child_length);
    r.mode = st.st_mode;
    r.ino = st.st_ino;
    r.size = static_cast<uint64_t>(st.st_size);
    r.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    r.ctime_ns = static_cast<int64_t>(st.st_ctim.tv_sec) * 1000000000 + st.st_ctim.tv_nsec;
    r.uid = st.st_uid;
    r.gid = st.st_gid;
    if (!paths_.Append(path, child_length) || !records_.Append(&r, sizeof(r))) {
      snprintf(error, error_size, "snapshot: out of memory");
      ok = false;
      break;
    }
    if (S_ISDIR(st.st_mode)) {
      int child = openat(dirfd(dir), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (child < 0) {
        snprintf(error, error_size, "snapshot: open /%s: %s", path, strerror(errno));
        ok = false;
        break;
      }
      ok = Walk(child, path, child_length, error, error_size);
    }
    path[path_length] = '\0';
  }
  closedir(dir);
  return ok;
}

const SnapshotRecord* RootSnapshot::Find(std::string_view path) const {
  size_t lo = 0, hi = count();
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    std::string_view p = this->path(record(mid));
    if (p < path) {
      lo = mid + 1;
    } else if (path < p) {
      hi = mid;
    } else {
      return &record(mid);
    }
  }
  return nullptr;
}

}  // namespace tinyrange
