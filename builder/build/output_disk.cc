#include "builder/build/output_disk.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "builder/build/definition.h"
#include "builder/download/cache_file.h"
#include "guest-init/output_format.h"

namespace tinyrange::build {

namespace {

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

}  // namespace

void CopyOutputDisk(const std::string& disk, const std::string& output, const std::string& guest_path,
                    const std::string& what) {
  Fd in{open(disk.c_str(), O_RDONLY | O_CLOEXEC)};
  struct stat st;
  if (in.fd < 0 || fstat(in.fd, &st) != 0) throw BuildError(what + ": cannot read the output disk " + disk);
  unsigned char header[24];
  if (pread(in.fd, header, sizeof header, 0) != static_cast<ssize_t>(sizeof header)) {
    throw BuildError(what + ": the output disk is too short");
  }
  if (std::memcmp(header, kOutputMagic, sizeof kOutputMagic) != 0) {
    throw BuildError(what + ": the VM wrote no output (the command did not finish, or did not run under guest-init)");
  }
  uint32_t version, status;
  uint64_t length;
  std::memcpy(&version, header + 8, 4);
  std::memcpy(&status, header + 12, 4);
  std::memcpy(&length, header + 16, 8);
  if (version != kOutputVersion) throw BuildError(what + ": output disk version " + std::to_string(version));
  if (status == static_cast<uint32_t>(OutputStatus::kMissing)) {
    throw BuildError(what + ": the commands did not create " + guest_path + " (or it is not a regular file)");
  }
  if (status == static_cast<uint32_t>(OutputStatus::kTooLarge)) {
    throw BuildError(what + ": " + guest_path + " does not fit on the output disk; give a larger storage_size");
  }
  uint64_t size = static_cast<uint64_t>(st.st_size);
  if (status != static_cast<uint32_t>(OutputStatus::kComplete) || size < kOutputHeaderSize ||
      length > size - kOutputHeaderSize) {
    throw BuildError(what + ": the output disk's header is malformed (status " + std::to_string(status) +
                     ", length " + std::to_string(length) + ")");
  }
  Fd out{open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)};
  if (out.fd < 0) throw BuildError(what + ": cannot write " + output + ": " + std::strerror(errno));
  std::vector<char> buffer(1 << 20);
  uint64_t done = 0;
  while (done < length) {
    size_t chunk = static_cast<size_t>(std::min<uint64_t>(buffer.size(), length - done));
    ssize_t n = pread(in.fd, buffer.data(), chunk, static_cast<off_t>(kOutputHeaderSize + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw BuildError(what + ": cannot read the output disk " + disk);
    if (!download::WriteAll(out.fd, buffer.data(), static_cast<size_t>(n))) {
      throw BuildError(what + ": cannot write " + output + ": " + std::strerror(errno));
    }
    done += static_cast<uint64_t>(n);
  }
}

}  // namespace tinyrange::build
