#include "vmm/virtio/file_backend.h"

#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <vector>

#include "vmm/vmm_error.h"

namespace tinyrange::virtio {

bool TransferAll(int fd, bool write, uint64_t offset, std::span<const iovec> iov_in) {
  std::vector<iovec> iov(iov_in.begin(), iov_in.end());
  size_t first = 0;
  while (first < iov.size()) {
    int count = static_cast<int>(std::min<size_t>(iov.size() - first, IOV_MAX));
    ssize_t n = write ? pwritev(fd, &iov[first], count, static_cast<off_t>(offset))
                      : preadv(fd, &iov[first], count, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;  // error, or end of file inside the range
    offset += static_cast<uint64_t>(n);
    size_t advanced = static_cast<size_t>(n);
    while (advanced > 0 && first < iov.size()) {
      if (advanced >= iov[first].iov_len) {
        advanced -= iov[first].iov_len;
        ++first;
      } else {
        iov[first].iov_base = static_cast<uint8_t*>(iov[first].iov_base) + advanced;
        iov[first].iov_len -= advanced;
        advanced = 0;
      }
    }
    while (first < iov.size() && iov[first].iov_len == 0) ++first;
  }
  return true;
}

std::unique_ptr<FileBackend> FileBackend::Open(const std::string& path, bool read_only, bool direct) {
  auto b = std::make_unique<FileBackend>();
  b->read_only_ = read_only;
  b->fd_.Reset(open(path.c_str(), (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC));
  if (!b->fd_.valid()) ThrowErrno("cannot open disk " + path);
  struct stat st;
  if (fstat(b->fd_.get(), &st) < 0) ThrowErrno("cannot stat disk " + path);
  if (S_ISBLK(st.st_mode)) {
    if (ioctl(b->fd_.get(), BLKGETSIZE64, &b->size_) < 0) ThrowErrno("cannot size disk " + path);
  } else if (S_ISREG(st.st_mode)) {
    b->size_ = static_cast<uint64_t>(st.st_size);
    b->regular_file_ = true;
  } else {
    throw VmmError("disk " + path + " is neither a regular file nor a block device");
  }
  if (direct) {
    b->direct_fd_.Reset(open(path.c_str(), (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_DIRECT));
    if (!b->direct_fd_.valid()) {
      if (errno == EINVAL) {
        throw VmmError("disk " + path + ": its filesystem does not support direct I/O (O_DIRECT); drop ',direct'");
      }
      ThrowErrno("cannot open disk " + path + " for direct I/O");
    }
  }
  return b;
}

int FileBackend::FdFor(uint64_t offset, std::span<const iovec> iov) const {
  if (!direct_fd_.valid() || offset % kDirectAlignment != 0) return fd_.get();
  for (const iovec& v : iov) {
    if (reinterpret_cast<uintptr_t>(v.iov_base) % kDirectAlignment != 0 || v.iov_len % kDirectAlignment != 0) {
      return fd_.get();
    }
  }
  return direct_fd_.get();
}

bool FileBackend::Read(uint64_t offset, std::span<const iovec> iov) {
  return TransferAll(FdFor(offset, iov), false, offset, iov);
}

bool FileBackend::Write(uint64_t offset, std::span<const iovec> iov) {
  return !read_only_ && TransferAll(FdFor(offset, iov), true, offset, iov);
}

bool FileBackend::Flush() { return read_only_ || fdatasync(fd_.get()) == 0; }

int FileBackend::Discard(uint64_t offset, uint64_t length, bool zero) {
  if (!can_discard()) return EOPNOTSUPP;
  int mode = zero ? FALLOC_FL_ZERO_RANGE : (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE);
  return fallocate(fd_.get(), mode, static_cast<off_t>(offset), static_cast<off_t>(length)) == 0 ? 0 : errno;
}

}  // namespace tinyrange::virtio
