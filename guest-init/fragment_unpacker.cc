#include "guest-init/fragment_unpacker.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "guest-init/fragment_reader.h"
#include "guest-init/root_path.h"

namespace tinyrange {

using fragment::EntryType;

namespace {

// Closes an fd at scope exit.
struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

bool IsSecurityKey(std::string_view key) {
  return key.starts_with("security.") || key.starts_with("trusted.");
}

class EntryWriter {
 public:
  EntryWriter(FragmentReader* reader, int root_fd, const UnpackOptions& options, UnpackStats* stats,
              uint32_t index, char* error, size_t error_size)
      : reader_(reader),
        root_fd_(root_fd),
        options_(options),
        stats_(stats),
        index_(index),
        error_(error),
        error_size_(error_size) {}

  bool Apply(const FragmentEntry& e);

 private:
  bool Fail(const FragmentEntry& e, const char* what, int err) {
    snprintf(error_, error_size_, "part %u, entry '%s': %s: %s", index_, e.name, what,
             strerror(err));
    return false;
  }
  bool FailText(const FragmentEntry& e, const char* what) {
    snprintf(error_, error_size_, "part %u, entry '%s': %s", index_, e.name, what);
    return false;
  }
  // Removes whatever non-directory-compatible thing is at parent/base.
  bool Clear(const FragmentEntry& e, int parent, const char* base);
  bool Owner(const FragmentEntry& e, int rc);
  bool Xattrs(const FragmentEntry& e, int fd, int parent, const char* base);
  bool WriteData(const FragmentEntry& e, int fd);
  bool ApplyDirectory(const FragmentEntry& e, int parent, const char* base);
  bool ApplyFile(const FragmentEntry& e, int parent, const char* base);

  FragmentReader* reader_;
  int root_fd_;
  UnpackOptions options_;
  UnpackStats* stats_;
  uint32_t index_;
  char* error_;
  size_t error_size_;
};

bool EntryWriter::Clear(const FragmentEntry& e, int parent, const char* base) {
  struct stat st;
  if (fstatat(parent, base, &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return true;
    return Fail(e, "stat", errno);
  }
  if (S_ISDIR(st.st_mode)) {
    // A file may replace an empty directory only: anything else would drop
    // content an earlier archive put there, silently.
    if (unlinkat(parent, base, AT_REMOVEDIR) == 0) return true;
    if (errno == ENOTEMPTY || errno == EEXIST) {
      return FailText(e, "cannot replace a non-empty directory with a non-directory");
    }
    return Fail(e, "remove directory", errno);
  }
  if (unlinkat(parent, base, 0) != 0 && errno != ENOENT) return Fail(e, "remove", errno);
  return true;
}

bool EntryWriter::Owner(const FragmentEntry& e, int rc) {
  if (rc == 0) return true;
  if (errno == EPERM && !options_.privileged) {
    ++stats_->skipped_owners;
    return true;
  }
  return Fail(e, "set owner", errno);
}

bool EntryWriter::Xattrs(const FragmentEntry& e, int fd, int parent, const char* base) {
  const uint8_t* block = e.xattrs;
  uint32_t len = e.xattr_len;
  std::string_view key, value;
  char proc_path[64];
  if (fd < 0 && len > 0) {
    // Symlinks and device nodes cannot be opened for fsetxattr; the parent
    // fd plus a final component that is never followed reaches them.
    snprintf(proc_path, sizeof(proc_path), "/proc/self/fd/%d/", parent);
  }
  while (NextFragmentXattr(&block, &len, &key, &value)) {
    char name[256];
    if (key.size() >= sizeof(name)) return FailText(e, "extended attribute key too long");
    memcpy(name, key.data(), key.size());
    name[key.size()] = '\0';
    int rc;
    if (fd >= 0) {
      rc = fsetxattr(fd, name, value.data(), value.size(), 0);
    } else {
      char path[64 + fragment::kMaxNameLength + 1];
      snprintf(path, sizeof(path), "%s%s", proc_path, base);
      rc = lsetxattr(path, name, value.data(), value.size(), 0);
    }
    if (rc == 0) continue;
    if ((errno == EPERM || errno == ENOTSUP) && !options_.privileged && IsSecurityKey(key)) {
      ++stats_->skipped_xattrs;
      continue;
    }
    char what[300];
    snprintf(what, sizeof(what), "set extended attribute %s", name);
    return Fail(e, what, errno);
  }
  return true;
}

bool EntryWriter::WriteData(const FragmentEntry& e, int fd) {
  for (;;) {
    const uint8_t* data;
    size_t len;
    if (!reader_->ReadData(&data, &len)) {
      snprintf(error_, error_size_, "part %u, entry '%s': %s", index_, e.name, reader_->error());
      return false;
    }
    if (len == 0) return true;
    while (len > 0) {
      ssize_t n = write(fd, data, len);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Fail(e, "write", errno);
      data += n;
      len -= static_cast<size_t>(n);
    }
  }
}

bool EntryWriter::ApplyDirectory(const FragmentEntry& e, int parent, const char* base) {
  struct stat st;
  bool exists = fstatat(parent, base, &st, AT_SYMLINK_NOFOLLOW) == 0;
  if (exists && S_ISLNK(st.st_mode)) {
    // Merged /usr: "bin -> usr/bin" from one archive, "bin/" from the next.
    // Keep the link when it leads to a directory (inside the root), so the
    // next archive's bin/ls lands in usr/bin.
    int fd = OpenInRoot(root_fd_, e.name, O_PATH | O_DIRECTORY);
    if (fd >= 0) {
      close(fd);
      return true;
    }
  }
  bool created = false;
  if (!exists || !S_ISDIR(st.st_mode)) {
    if (exists && unlinkat(parent, base, 0) != 0) return Fail(e, "remove", errno);
    if (mkdirat(parent, base, 0700) != 0) return Fail(e, "create directory", errno);
    created = true;
  }
  Fd fd(openat(parent, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.fd < 0) return Fail(e, "open directory", errno);
  if (!Owner(e, fchown(fd.fd, e.uid, e.gid))) return false;
  if (fchmod(fd.fd, e.mode) != 0) return Fail(e, "chmod", errno);
  // A directory that already existed keeps its attributes and time: only
  // mode and owner follow the later archive, as with dpkg.
  if (!created) return true;
  if (!Xattrs(e, fd.fd, parent, base)) return false;
  // (Entries unpacked into it later update the mtime again; directory
  // times do not matter to anything guest-init runs.)
  struct timespec times[2] = {{e.mtime, 0}, {e.mtime, 0}};
  if (futimens(fd.fd, times) != 0) return Fail(e, "set mtime", errno);
  return true;
}

bool EntryWriter::ApplyFile(const FragmentEntry& e, int parent, const char* base) {
  Fd fd(openat(parent, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (fd.fd < 0) return Fail(e, "create", errno);
  if (!WriteData(e, fd.fd)) return false;
  // Owner before mode (chown clears set-id bits), attributes after both
  // and after the data (chown and write clear security.capability).
  if (!Owner(e, fchown(fd.fd, e.uid, e.gid))) return false;
  if (fchmod(fd.fd, e.mode) != 0) return Fail(e, "chmod", errno);
  if (!Xattrs(e, fd.fd, parent, base)) return false;
  struct timespec times[2] = {{e.mtime, 0}, {e.mtime, 0}};
  if (futimens(fd.fd, times) != 0) return Fail(e, "set mtime", errno);
  return true;
}

bool EntryWriter::Apply(const FragmentEntry& e) {
  const char* base = nullptr;
  Fd parent(OpenParentInRoot(root_fd_, e.name, true, &base));
  if (parent.fd < 0) return Fail(e, "open parent directory", -parent.fd);
  if (e.type == EntryType::kDirectory) return ApplyDirectory(e, parent.fd, base);
  if (!Clear(e, parent.fd, base)) return false;
  struct timespec times[2] = {{e.mtime, 0}, {e.mtime, 0}};
  switch (e.type) {
    case EntryType::kFile:
      return ApplyFile(e, parent.fd, base);
    case EntryType::kSymlink:
      if (symlinkat(e.link, parent.fd, base) != 0) return Fail(e, "create symlink", errno);
      if (!Owner(e, fchownat(parent.fd, base, e.uid, e.gid, AT_SYMLINK_NOFOLLOW))) return false;
      if (!Xattrs(e, -1, parent.fd, base)) return false;
      if (utimensat(parent.fd, base, times, AT_SYMLINK_NOFOLLOW) != 0) {
        return Fail(e, "set mtime", errno);
      }
      return true;
    case EntryType::kHardLink: {
      const char* target_base = nullptr;
      Fd target_parent(OpenParentInRoot(root_fd_, e.link, false, &target_base));
      if (target_parent.fd < 0)
        return Fail(e, "open hard link target's directory", -target_parent.fd);
      if (linkat(target_parent.fd, target_base, parent.fd, base, 0) != 0) {
        return Fail(e, "create hard link", errno);
      }
      return true;  // the metadata is the target's
    }
    case EntryType::kCharDevice:
    case EntryType::kBlockDevice:
    case EntryType::kFifo: {
      mode_t type = e.type == EntryType::kCharDevice    ? S_IFCHR
                    : e.type == EntryType::kBlockDevice ? S_IFBLK
                                                        : S_IFIFO;
      if (mknodat(parent.fd, base, type | (e.mode & 0777), makedev(e.dev_major, e.dev_minor)) !=
          0) {
        if (errno == EPERM && !options_.privileged) {
          ++stats_->skipped_nodes;
          return true;
        }
        return Fail(e, "mknod", errno);
      }
      if (!Owner(e, fchownat(parent.fd, base, e.uid, e.gid, AT_SYMLINK_NOFOLLOW))) return false;
      if (fchmodat(parent.fd, base, e.mode, 0) != 0) return Fail(e, "chmod", errno);
      if (!Xattrs(e, -1, parent.fd, base)) return false;
      if (utimensat(parent.fd, base, times, AT_SYMLINK_NOFOLLOW) != 0) {
        return Fail(e, "set mtime", errno);
      }
      return true;
    }
    default:
      return FailText(e, "unexpected entry type");
  }
}

void FormatDigest(const uint8_t* digest, char* out) {
  static const char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < kSha256Size; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 15];
  }
  out[2 * kSha256Size] = '\0';
}

}  // namespace

bool UnpackPart(int disk_fd, const ArchiveDiskPart& part, uint32_t index, int root_fd,
                const UnpackOptions& options, uint8_t* buffer, size_t buffer_size,
                UnpackStats* stats, char* error, size_t error_size) {
  FragmentReader reader(disk_fd, part.offset, part.size, buffer, buffer_size);
  if (!reader.Start()) {
    snprintf(error, error_size, "part %u: %s", index, reader.error());
    return false;
  }
  // FragmentEntry holds two 4 KiB strings: static, not on PID 1's stack
  // (guest-init is single-threaded).
  static FragmentEntry entry;
  EntryWriter writer(&reader, root_fd, options, stats, index, error, error_size);
  for (;;) {
    int r = reader.Next(&entry);
    if (r < 0) {
      snprintf(error, error_size, "part %u: %s", index, reader.error());
      return false;
    }
    if (r == 0) break;
    if (!writer.Apply(entry)) return false;
    ++stats->entries;
  }
  if (part.has_digest) {
    uint8_t digest[kSha256Size];
    reader.Digest(digest);
    if (memcmp(digest, part.sha256, kSha256Size) != 0) {
      char got[2 * kSha256Size + 1], want[2 * kSha256Size + 1];
      FormatDigest(digest, got);
      FormatDigest(part.sha256, want);
      snprintf(error, error_size, "part %u: SHA-256 mismatch: the disk has %s, the table says %s",
               index, got, want);
      return false;
    }
  }
  return true;
}

bool UnpackArchiveDisk(int disk_fd, uint64_t disk_size, int root_fd, const UnpackOptions& options,
                       UnpackStats* stats, char* error, size_t error_size) {
  ArchiveDiskTable table;
  if (!table.Read(disk_fd, disk_size, error, error_size)) return false;
  uint8_t* buffer = static_cast<uint8_t*>(malloc(kUnpackBufferSize));
  if (buffer == nullptr) {
    snprintf(error, error_size, "archive disk: out of memory");
    return false;
  }
  bool ok = true;
  for (uint32_t i = 0; i < table.count() && ok; ++i) {
    ok = UnpackPart(disk_fd, table.part(i), i, root_fd, options, buffer, kUnpackBufferSize, stats,
                    error, error_size);
  }
  free(buffer);
  return ok;
}

}  // namespace tinyrange
