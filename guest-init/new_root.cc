#include "guest-init/new_root.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest-init/archive_boot.h"
#include "guest-init/block_device_lookup.h"
#include "guest-init/log.h"
#include "guest-init/mounts.h"

namespace tinyrange {

bool MountNewRoot(const char* root_disk, char* error, size_t error_size) {
  if (mkdir(kNewRootPath, 0755) != 0 && errno != EEXIST) {
    snprintf(error, error_size, "create %s: %s", kNewRootPath, strerror(errno));
    return false;
  }
  if (root_disk == nullptr || root_disk[0] == '\0') {
    if (mount("tmpfs", kNewRootPath, "tmpfs", 0, "mode=0755") != 0) {
      snprintf(error, error_size, "mount a tmpfs on %s: %s", kNewRootPath, strerror(errno));
      return false;
    }
    return true;
  }
  // Waited for as the archive disk is.
  char device[600];
  if (WaitForDevice(kVirtioDisks, root_disk, kDiskWaitMs, device, sizeof(device), error, error_size) != 0) {
    return false;
  }
  // No atime updates: nothing reads them, and each would be a write.
  if (mount(device, kNewRootPath, "ext4", MS_NOATIME, "") != 0) {
    snprintf(error, error_size, "mount the root disk \"%s\" (%s, ext4) on %s: %s", root_disk, device,
             kNewRootPath, strerror(errno));
    return false;
  }
  return true;
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
