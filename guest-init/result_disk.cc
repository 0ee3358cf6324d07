#include "guest-init/result_disk.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "guest-init/fragment_format.h"

namespace tinyrange {

int WriteAllAt(int fd, const void* data, size_t size, uint64_t offset) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = pwrite(fd, p, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return n < 0 ? errno : EIO;
    p += n;
    size -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return 0;
}

int WriteResultDiskHeader(int fd, const char (&magic)[8], uint32_t version, uint32_t status, uint64_t length) {
  static uint8_t header[kResultDiskHeaderSize];
  memset(header, 0, sizeof header);
  memcpy(header, magic, sizeof magic);
  fragment::PutU32(header + 8, version);
  fragment::PutU32(header + 12, status);
  fragment::PutU64(header + 16, length);
  return WriteAllAt(fd, header, sizeof header, 0);
}

}  // namespace tinyrange
