#include "builder/fs_output/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <system_error>

#include "builder/fs_output/fs_tree.h"

namespace tinyrange::fs_output {

AtomicFile::AtomicFile(const std::filesystem::path& target) : target_(target) {
  std::string pattern = target.string() + ".tmp-XXXXXX";
  fd_ = ::mkostemp(pattern.data(), O_CLOEXEC);
  if (fd_ < 0) {
    throw FsOutputError("cannot create a temporary file beside " + target.string() + ": " +
                        std::strerror(errno) + "; check that its directory exists and is writable");
  }
  temp_path_ = pattern;
  // mkstemp makes 0600; outputs are ordinary readable files.
  ::fchmod(fd_, 0644);
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(temp_path_.c_str());
}

void AtomicFile::CloseFd() {
  if (fd_ < 0) return;
  int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) {
    throw FsOutputError("cannot write " + temp_path_.string() + ": " + std::strerror(errno));
  }
}

void AtomicFile::Commit() {
  if (fd_ >= 0) {
    if (::fsync(fd_) != 0) {
      throw FsOutputError("cannot flush " + temp_path_.string() + ": " + std::strerror(errno));
    }
    CloseFd();
  }
  if (::rename(temp_path_.c_str(), target_.c_str()) != 0) {
    throw FsOutputError("cannot rename " + temp_path_.string() + " to " + target_.string() + ": " +
                        std::strerror(errno));
  }
  committed_ = true;
  // Make the rename itself durable; a failure here changes nothing the
  // caller can act on, so it is not reported.
  std::filesystem::path dir = target_.parent_path();
  int dir_fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
}

TempDir::TempDir(const std::filesystem::path& target) {
  std::string base = target.string() + ".tmp-XXXXXX";
  if (::mkdtemp(base.data()) == nullptr) {
    throw FsOutputError("cannot create a temporary directory beside " + target.string() + ": " +
                        std::strerror(errno));
  }
  path_ = base;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace tinyrange::fs_output
