#include "guest-init/output_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest-init/disk_size.h"
#include "guest-init/output_format.h"
#include "guest-init/result_disk.h"

namespace tinyrange {

static_assert(kOutputHeaderSize == kResultDiskHeaderSize);

namespace {

int WriteHeader(int disk_fd, OutputStatus status, uint64_t length) {
  int err = WriteResultDiskHeader(disk_fd, kOutputMagic, kOutputVersion, static_cast<uint32_t>(status), length);
  if (err == 0 && fsync(disk_fd) != 0) err = errno;
  return err;
}

}  // namespace

int WriteOutputFile(const char* path, int disk_fd) {
  uint64_t disk_size = 0;
  int err = GetDiskSize(disk_fd, &disk_size);
  if (err != 0) return err;
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    if (fd >= 0) close(fd);
    return WriteHeader(disk_fd, OutputStatus::kMissing, 0);
  }
  uint64_t length = static_cast<uint64_t>(st.st_size);
  if (disk_size < kOutputHeaderSize || length > disk_size - kOutputHeaderSize) {
    close(fd);
    return WriteHeader(disk_fd, OutputStatus::kTooLarge, 0);
  }
  static char buffer[1 << 16];
  uint64_t offset = 0;
  while (offset < length) {
    ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      err = n < 0 ? errno : EIO;  // the file shrank while we read it
      close(fd);
      return err;
    }
    if (static_cast<uint64_t>(n) > length - offset) n = static_cast<ssize_t>(length - offset);
    err = WriteAllAt(disk_fd, buffer, static_cast<size_t>(n), kOutputHeaderSize + offset);
    if (err != 0) {
      close(fd);
      return err;
    }
    offset += static_cast<uint64_t>(n);
  }
  close(fd);
  if (fsync(disk_fd) != 0) return errno;
  // The header last: a disk with a header always holds the whole file.
  return WriteHeader(disk_fd, OutputStatus::kComplete, length);
}

}  // namespace tinyrange
