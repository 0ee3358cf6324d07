#include "vmm/read_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "vmm/scoped_fd.h"
#include "vmm/vmm_error.h"

namespace tinyrange {

std::vector<uint8_t> ReadWholeFile(const std::string& path, const std::string& what) {
  ScopedFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) ThrowErrno("cannot open " + what + " " + path);
  struct stat st;
  if (fstat(fd.get(), &st) < 0) ThrowErrno("cannot stat " + what + " " + path);
  if (!S_ISREG(st.st_mode)) throw VmmError(what + " " + path + " is not a regular file");
  std::vector<uint8_t> data(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = read(fd.get(), data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) ThrowErrno("cannot read " + what + " " + path);
    if (n == 0) throw VmmError(what + " " + path + " shrank while being read");
    done += static_cast<size_t>(n);
  }
  return data;
}

}  // namespace tinyrange
