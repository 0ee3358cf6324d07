#include "guest-init/capture_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <string_view>

#include "guest-init/byte_buffer.h"
#include "guest-init/disk_size.h"
#include "guest-init/fragment_writer.h"
#include "guest-init/result_disk.h"
#include "guest-init/root_path.h"

namespace tinyrange {

static_assert(kCaptureHeaderSize == kResultDiskHeaderSize);

namespace {

constexpr size_t kBufferSize = 256 * 1024;
constexpr std::string_view kInstallDir = ".tinyrange/install";  // kInstallDirectory, relative

bool Changed(const SnapshotRecord& a, const SnapshotRecord& b) {
  return a.mode != b.mode || a.ino != b.ino || a.size != b.size || a.uid != b.uid ||
         a.gid != b.gid || a.mtime_ns != b.mtime_ns || a.ctime_ns != b.ctime_ns;
}

class CaptureArchiver {
 public:
  CaptureArchiver(int root_fd, FragmentWriter* writer, uint8_t* data_buffer, char* error,
                  size_t error_size)
      : root_fd_(root_fd),
        writer_(writer),
        data_(data_buffer),
        error_(error),
        error_size_(error_size) {}

  // Appends the entry for `path`; false on an error (error_ set).
  bool Add(const char* path, CaptureResult* result);

 private:
  bool Fail(const char* path, const char* what, int err) {
    snprintf(error_, error_size_, "capture: %s /%s: %s", what, path, strerror(err));
    return false;
  }
  // Fills xattrs_ with the encoded, sorted block of `fd` (or of `proc_path`
  // when fd < 0).
  bool ReadXattrs(const char* path, int fd, const char* proc_path);

  int root_fd_;
  FragmentWriter* writer_;
  uint8_t* data_;
  char* error_;
  size_t error_size_;
  ByteBuffer names_;
  ByteBuffer keys_;  // std::string_view per key
  ByteBuffer xattrs_;
  ByteBuffer value_;
};

bool CaptureArchiver::ReadXattrs(const char* path, int fd, const char* proc_path) {
  xattrs_.clear();
  for (;;) {
    ssize_t n = fd >= 0 ? flistxattr(fd, nullptr, 0) : llistxattr(proc_path, nullptr, 0);
    if (n < 0) {
      if (errno == ENOTSUP) return true;
      return Fail(path, "list extended attributes of", errno);
    }
    if (n == 0) return true;
    if (!names_.Resize(static_cast<size_t>(n))) return Fail(path, "read", ENOMEM);
    n = fd >= 0 ? flistxattr(fd, reinterpret_cast<char*>(names_.data()), names_.size())
                : llistxattr(proc_path, reinterpret_cast<char*>(names_.data()), names_.size());
    if (n < 0 && errno == ERANGE) continue;  // grew meanwhile
    if (n < 0) return Fail(path, "list extended attributes of", errno);
    names_.Truncate(static_cast<size_t>(n));
    break;
  }
  keys_.clear();
  const char* p = reinterpret_cast<const char*>(names_.data());
  const char* end = p + names_.size();
  while (p < end) {
    std::string_view key(p);
    if (!key.empty() && !keys_.Append(&key, sizeof(key))) return Fail(path, "read", ENOMEM);
    p += key.size() + 1;
  }
  std::string_view* keys = reinterpret_cast<std::string_view*>(keys_.data());
  size_t count = keys_.size() / sizeof(std::string_view);
  // The format wants keys strictly ascending, bytewise.
  std::sort(keys, keys + count);
  for (size_t i = 0; i < count; ++i) {
    const char* key = keys[i].data();  // NUL-terminated in names_
    ssize_t n;
    for (;;) {
      n = fd >= 0 ? fgetxattr(fd, key, nullptr, 0) : lgetxattr(proc_path, key, nullptr, 0);
      if (n < 0) break;
      if (!value_.Resize(static_cast<size_t>(n))) return Fail(path, "read", ENOMEM);
      n = fd >= 0 ? fgetxattr(fd, key, value_.data(), value_.size())
                  : lgetxattr(proc_path, key, value_.data(), value_.size());
      if (n >= 0 || errno != ERANGE) break;
    }
    if (n < 0) {
      if (errno == ENODATA) continue;  // removed meanwhile
      return Fail(path, "read extended attribute of", errno);
    }
    uint8_t lengths[8];
    fragment::PutU32(lengths, static_cast<uint32_t>(keys[i].size()));
    fragment::PutU32(lengths + 4, static_cast<uint32_t>(n));
    if (!xattrs_.Append(lengths, 8) || !xattrs_.Append(key, keys[i].size()) ||
        !xattrs_.Append(value_.data(), static_cast<size_t>(n))) {
      return Fail(path, "read", ENOMEM);
    }
  }
  if (xattrs_.size() > fragment::kMaxXattrBlock) {
    return Fail(path, "archive the extended attributes of", E2BIG);
  }
  return true;
}

bool CaptureArchiver::Add(const char* path, CaptureResult* result) {
  struct stat st;
  if (fstatat(root_fd_, path, &st, AT_SYMLINK_NOFOLLOW) != 0) return Fail(path, "stat", errno);
  FragmentEntryInfo e;
  e.name = path;
  e.mode = st.st_mode & 07777;
  e.uid = st.st_uid;
  e.gid = st.st_gid;
  e.mtime = st.st_mtim.tv_sec;
  char proc_path[PATH_MAX + 32];
  snprintf(proc_path, sizeof(proc_path), "/proc/self/fd/%d/%s", root_fd_, path);
  char link[PATH_MAX];
  int fd = -1;
  switch (st.st_mode & S_IFMT) {
    case S_IFREG:
    case S_IFDIR: {
      bool dir = S_ISDIR(st.st_mode);
      fd = OpenInRoot(root_fd_, path, O_RDONLY | O_NOFOLLOW | (dir ? O_DIRECTORY : 0));
      if (fd < 0) return Fail(path, "open", -fd);
      if (fstat(fd, &st) != 0) {
        int err = errno;
        close(fd);
        return Fail(path, "stat", err);
      }
      e.type = dir ? fragment::EntryType::kDirectory : fragment::EntryType::kFile;
      e.size = dir ? 0 : static_cast<uint64_t>(st.st_size);
      e.mode = st.st_mode & 07777;
      e.mtime = st.st_mtim.tv_sec;
      break;
    }
    case S_IFLNK: {
      ssize_t n = readlinkat(root_fd_, path, link, sizeof(link));
      if (n < 0) return Fail(path, "read link", errno);
      if (static_cast<size_t>(n) >= sizeof(link) || n > fragment::kMaxLinkLength) {
        return Fail(path, "archive link", ENAMETOOLONG);
      }
      e.type = fragment::EntryType::kSymlink;
      e.link = std::string_view(link, static_cast<size_t>(n));
      break;
    }
    case S_IFCHR:
    case S_IFBLK:
      e.type = S_ISCHR(st.st_mode) ? fragment::EntryType::kCharDevice
                                   : fragment::EntryType::kBlockDevice;
      e.dev_major = major(st.st_rdev);
      e.dev_minor = minor(st.st_rdev);
      break;
    case S_IFIFO:
      e.type = fragment::EntryType::kFifo;
      break;
    default:
      ++result->skipped_sockets;
      return true;
  }
  bool ok = ReadXattrs(path, fd, proc_path);
  if (ok) {
    e.xattrs = std::string_view(reinterpret_cast<const char*>(xattrs_.data()), xattrs_.size());
    ok = writer_->Entry(e);
    if (!ok) Fail(path, "write the capture for", errno);
  }
  // The data: exactly the size in the header, even if the file changed.
  uint64_t left = e.size;
  uint64_t offset = 0;
  while (ok && left > 0) {
    size_t want = left < kBufferSize ? static_cast<size_t>(left) : kBufferSize;
    ssize_t n = pread(fd, data_, want, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ok = Fail(path, "read", errno);
      break;
    }
    if (n == 0) {  // shrank meanwhile: pad with zeros
      memset(data_, 0, want);
      n = static_cast<ssize_t>(want);
    }
    if (!writer_->Data(data_, static_cast<size_t>(n)))
      ok = Fail(path, "write the capture for", errno);
    left -= static_cast<uint64_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  if (fd >= 0) close(fd);
  if (ok && !writer_->FinishEntry()) ok = Fail(path, "write the capture for", errno);
  if (ok) ++result->entries;
  return ok;
}

}  // namespace

bool IsInstallStepsPath(const char* path, size_t length) {
  std::string_view p(path, length);
  return p == kInstallDir || (p.size() > kInstallDir.size() && p.starts_with(kInstallDir) &&
                              p[kInstallDir.size()] == '/');
}

bool WriteCapture(int root_fd, const RootSnapshot& before, const RootSnapshot& after,
                  int capture_fd, CaptureResult* result, char* error, size_t error_size) {
  *result = CaptureResult{};
  uint64_t disk_size = 0;
  int err = GetDiskSize(capture_fd, &disk_size);
  if (err != 0) {
    snprintf(error, error_size, "capture: size of the capture disk: %s", strerror(err));
    return false;
  }
  if (disk_size < kCaptureHeaderSize) {
    snprintf(error, error_size, "capture: the capture disk is smaller than its header");
    return false;
  }

  // An archive can add and change, not remove. A path whose type changed
  // is replayed by unpacking the new entry over the old one, which the
  // unpacker does for everything but a directory over a symlink (it keeps
  // a symlink to a directory, for merged /usr). A directory that became
  // something else had no children left, or they show up as removed.
  for (size_t i = 0; i < before.count(); ++i) {
    const SnapshotRecord& b = before.record(i);
    std::string_view path = before.path(b);
    if (IsInstallStepsPath(path.data(), path.size())) continue;
    const SnapshotRecord* a = after.Find(path);
    bool removed = a == nullptr;
    bool unreplayable = !removed && S_ISLNK(b.mode) && S_ISDIR(a->mode);
    if (removed || unreplayable) {
      result->status = CaptureStatus::kNotCacheable;
      snprintf(result->reason, sizeof(result->reason), "/%.*s was %s",
               static_cast<int>(path.size()), path.data(),
               removed ? "removed" : "a symlink replaced by a directory");
      break;
    }
  }

  bool ok = true;
  if (result->status == CaptureStatus::kComplete) {
    uint8_t* buffers = static_cast<uint8_t*>(malloc(2 * kBufferSize));
    if (buffers == nullptr) {
      snprintf(error, error_size, "capture: out of memory");
      return false;
    }
    FragmentWriter writer(capture_fd, kCaptureHeaderSize, disk_size - kCaptureHeaderSize, buffers,
                          kBufferSize);
    CaptureArchiver archiver(root_fd, &writer, buffers + kBufferSize, error, error_size);
    ok = writer.Begin();
    if (!ok) snprintf(error, error_size, "capture: write: %s", strerror(errno));
    static char path[PATH_MAX];
    for (size_t i = 0; ok && i < after.count() && !writer.too_large(); ++i) {
      const SnapshotRecord& a = after.record(i);
      const SnapshotRecord* b = before.Find(after.path(a));
      if (b != nullptr && !Changed(*b, a)) continue;
      std::string_view p = after.path(a);
      memcpy(path, p.data(), p.size());
      path[p.size()] = '\0';
      ok = archiver.Add(path, result);
    }
    if (ok && !writer.End()) {
      snprintf(error, error_size, "capture: write: %s", strerror(errno));
      ok = false;
    }
    free(buffers);
    if (ok) {
      if (writer.too_large()) {
        result->status = CaptureStatus::kTooLarge;
      } else {
        result->length = writer.length();
      }
    }
  }
  if (!ok) return false;
  if (WriteResultDiskHeader(capture_fd, kCaptureMagic, kCaptureVersion, static_cast<uint32_t>(result->status),
                            result->length) != 0 ||
      fsync(capture_fd) != 0) {
    snprintf(error, error_size, "capture: write the header: %s", strerror(errno));
    return false;
  }
  return true;
}

}  // namespace tinyrange
