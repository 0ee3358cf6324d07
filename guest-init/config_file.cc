#include "guest-init/config_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tinyrange {

int ReadWholeFile(const char* path, char** data, size_t* size) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int err = errno;
    close(fd);
    return err;
  }
  if (st.st_size < 0 || static_cast<size_t>(st.st_size) > kMaxConfigSize) {
    close(fd);
    return EFBIG;
  }
  size_t want = static_cast<size_t>(st.st_size);
  char* buf = static_cast<char*>(malloc(want + 1));
  if (buf == nullptr) {
    close(fd);
    return ENOMEM;
  }
  size_t got = 0;
  while (got < want) {
    ssize_t n = read(fd, buf + got, want - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = n < 0 ? errno : EIO;  // the file shrank under us
      close(fd);
      free(buf);
      return err;
    }
    got += static_cast<size_t>(n);
  }
  close(fd);
  buf[got] = '\0';
  *data = buf;
  *size = got;
  return 0;
}

}  // namespace tinyrange
