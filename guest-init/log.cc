#include "guest-init/log.h"

#include <errno.h>
#include <string.h>
#include <sys/uio.h>

namespace tinyrange {

namespace {

void WriteParts(const char* const* parts, int count) {
  iovec iov[8];
  int n = 0;
  for (int i = 0; i < count && n < 8; ++i) {
    iov[n].iov_base = const_cast<char*>(parts[i]);
    iov[n].iov_len = strlen(parts[i]);
    ++n;
  }
  // One writev so concurrent output from the command does not split the line;
  // a console that is gone is nothing to report to, so the result is ignored.
  ssize_t ignored = writev(2, iov, n);
  (void)ignored;
}

}  // namespace

void LogError(const char* what, const char* why) {
  int saved = errno;
  const char* parts[] = {"guest-init: ", what, ": ", why, "\n"};
  WriteParts(parts, 5);
  errno = saved;
}

void LogErrno(const char* what, int err) { LogError(what, strerror(err)); }

void LogError2(const char* what1, const char* what2, const char* why) {
  int saved = errno;
  const char* parts[] = {"guest-init: ", what1, what2, ": ", why, "\n"};
  WriteParts(parts, 6);
  errno = saved;
}

void LogErrno2(const char* what1, const char* what2, int err) {
  LogError2(what1, what2, strerror(err));
}

}  // namespace tinyrange
