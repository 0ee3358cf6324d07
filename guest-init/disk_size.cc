#include "guest-init/disk_size.h"

#include <errno.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

namespace tinyrange {

namespace {
// _IOR(0x12, 114, size_t) from <linux/fs.h>, which musl does not ship.
constexpr unsigned long kBlkGetSize64 = 0x80081272;
}  // namespace

int GetDiskSize(int fd, uint64_t* size) {
  struct stat st;
  if (fstat(fd, &st) != 0) return errno;
  if (S_ISREG(st.st_mode)) {
    *size = static_cast<uint64_t>(st.st_size);
    return 0;
  }
  if (!S_ISBLK(st.st_mode)) return ENOTBLK;
  uint64_t bytes = 0;
  if (ioctl(fd, kBlkGetSize64, &bytes) != 0) return errno;
  *size = bytes;
  return 0;
}

}  // namespace tinyrange
