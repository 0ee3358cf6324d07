#include "guest-init/new_root.h"

#include <errno.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest-init/log.h"
#include "guest-init/mounts.h"

namespace tinyrange {

int MountNewRoot(const char** step) {
  *step = "create /newroot";
  if (mkdir(kNewRootPath, 0755) != 0 && errno != EEXIST) return errno;
  *step = "mount a tmpfs on /newroot";
  if (mount("tmpfs", kNewRootPath, "tmpfs", 0, "mode=0755") != 0) return errno;
  return 0;
}

bool EnterNewRoot() {
  if (chdir(kNewRootPath) != 0) {
    LogErrno2("chdir ", kNewRootPath, errno);
    return false;
  }
  if (chroot(".") != 0) {
    LogErrno2("chroot ", kNewRootPath, errno);
    return false;
  }
  if (chdir("/") != 0) {
    LogErrno("chdir / in the new root", errno);
    return false;
  }
  return MountEarlyFilesystems();
}

}  // namespace tinyrange
