#include "guest-init/mounts.h"

#include <errno.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest-init/log.h"

namespace tinyrange {

namespace {

struct EarlyMount {
  const char* target;
  const char* parent;  // to tell whether something is mounted on target
  const char* fstype;
  unsigned long flags;
  const char* data;
  mode_t dir_mode;
  bool required;
};

// In mount order: a mount point inside /dev exists only after /dev is up.
constexpr EarlyMount kMounts[] = {
    {"/proc", "/", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr, 0555, true},
    {"/sys", "/", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr, 0555, false},
    {"/dev", "/", "devtmpfs", MS_NOSUID, "mode=0755", 0755, true},
    // gid 5 is the "tty" group on Debian and Alpine alike.
    {"/dev/pts", "/dev", "devpts", MS_NOSUID | MS_NOEXEC, "gid=5,mode=0620,ptmxmode=0666", 0755,
     false},
    {"/dev/shm", "/dev", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", 01777, false},
    {"/tmp", "/", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", 01777, false},
    {"/run", "/", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755", 0755, false},
};

// Something is mounted on `target` when it is on another device than its
// parent. Checking first keeps a second guest-init start (or a kernel that
// mounted devtmpfs itself) from stacking a fresh, empty mount on top.
bool IsMountPoint(const char* target, const char* parent) {
  struct stat t, p;
  if (stat(target, &t) != 0 || stat(parent, &p) != 0) return false;
  return t.st_dev != p.st_dev;
}

struct DevLink {
  const char* target;
  const char* path;
};

constexpr DevLink kDevLinks[] = {
    {"/proc/self/fd", "/dev/fd"},
    {"/proc/self/fd/0", "/dev/stdin"},
    {"/proc/self/fd/1", "/dev/stdout"},
    {"/proc/self/fd/2", "/dev/stderr"},
};

}  // namespace

bool MountEarlyFilesystems() {
  bool ok = true;
  for (const EarlyMount& m : kMounts) {
    if (mkdir(m.target, m.dir_mode) != 0 && errno != EEXIST) {
      LogErrno2("create mount point ", m.target, errno);
      if (m.required) ok = false;
      continue;
    }
    if (IsMountPoint(m.target, m.parent)) continue;
    if (mount(m.fstype, m.target, m.fstype, m.flags, m.data) != 0 && errno != EBUSY) {
      LogErrno2("mount ", m.target, errno);
      if (m.required) ok = false;
    }
  }
  for (const DevLink& link : kDevLinks) {
    if (symlink(link.target, link.path) != 0 && errno != EEXIST) {
      LogErrno2("create ", link.path, errno);
    }
  }
  return ok;
}

}  // namespace tinyrange
