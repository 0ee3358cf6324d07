#include "builder/cpio/cpio_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace tinyrange {

namespace {

constexpr std::string_view kMagic = "070701";
constexpr std::string_view kTrailerName = "TRAILER!!!";
constexpr size_t kHeaderSize = 110;  // magic + 13 fields of 8 hex digits
constexpr size_t kMaxNameSize = 4095;  // the kernel refuses names of PATH_MAX and more
constexpr uint64_t kMaxFieldValue = 0xffffffffu;
constexpr size_t kCopyChunk = 64 * 1024;

std::string ErrnoText(int err) { return std::strerror(err); }

// A name for an error message: quoted, control bytes (NUL included, which
// would cut what() short) as \xNN, and cut to a readable length.
std::string Quoted(std::string_view name) {
  static constexpr char kDigits[] = "0123456789abcdef";
  constexpr size_t kMaxShown = 200;
  std::string out = "\"";
  for (size_t i = 0; i < name.size() && i < kMaxShown; ++i) {
    unsigned char c = static_cast<unsigned char>(name[i]);
    if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      out += kDigits[c >> 4];
      out += kDigits[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (name.size() > kMaxShown) out += "...";
  out += "\"";
  return out;
}

void PutHex8(char* out, uint64_t value) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  for (int i = 7; i >= 0; --i) {
    out[i] = kDigits[value & 0xf];
    value >>= 4;
  }
}

uint32_t MtimeFromEnvironment() {
  const char* text = std::getenv("SOURCE_DATE_EPOCH");
  if (text == nullptr || *text == '\0') return 0;
  uint64_t value = 0;
  for (const char* p = text; *p != '\0'; ++p) {
    if (*p < '0' || *p > '9' || value > kMaxFieldValue) {
      throw CpioError(std::string("SOURCE_DATE_EPOCH is not a 32-bit decimal timestamp: ") +
                      text);
    }
    value = value * 10 + static_cast<uint64_t>(*p - '0');
  }
  if (value > kMaxFieldValue) {
    throw CpioError(std::string("SOURCE_DATE_EPOCH is not a 32-bit decimal timestamp: ") + text);
  }
  return static_cast<uint32_t>(value);
}

// Closes a file descriptor on every path out of a scope.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() { close(fd_); }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;

 private:
  int fd_;
};

}  // namespace

void VectorCpioSink::Write(std::span<const uint8_t> bytes) {
  out_->insert(out_->end(), bytes.begin(), bytes.end());
}

FileCpioSink::FileCpioSink(const std::filesystem::path& path) : path_(path) {
  fd_ = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) throw CpioError("cannot create " + path.string() + ": " + ErrnoText(errno));
}

FileCpioSink::~FileCpioSink() {
  if (fd_ >= 0) close(fd_);
}

void FileCpioSink::Write(std::span<const uint8_t> bytes) {
  if (fd_ < 0) throw CpioError("write to closed file " + path_.string());
  while (!bytes.empty()) {
    ssize_t n = write(fd_, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw CpioError("cannot write " + path_.string() + ": " + ErrnoText(errno));
    }
    bytes = bytes.subspan(static_cast<size_t>(n));
  }
}

void FileCpioSink::Close() {
  if (fd_ < 0) return;
  int fd = fd_;
  fd_ = -1;
  if (close(fd) != 0) throw CpioError("cannot write " + path_.string() + ": " + ErrnoText(errno));
}

CpioWriter::CpioWriter(CpioSink* sink, CpioWriterOptions options)
    : sink_(sink), options_(std::move(options)) {
  default_mtime_ = options_.default_mtime ? *options_.default_mtime : MtimeFromEnvironment();
}

std::string CpioWriter::CheckName(std::string_view name) {
  if (name.empty()) return "empty name";
  if (name.size() > kMaxNameSize) return "name longer than 4095 bytes";
  if (name.find('\0') != std::string_view::npos) return "name contains a NUL byte";
  if (name.front() == '/') return "absolute name (newc names are relative, like \"bin/sh\")";
  if (name == kTrailerName) return "name is the archive trailer \"TRAILER!!!\"";
  size_t start = 0;
  for (;;) {
    size_t slash = name.find('/', start);
    std::string_view component =
        name.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (component.empty()) return "empty path component (\"//\" or a trailing \"/\")";
    if (component == ".") return "\".\" path component";
    if (component == "..") return "\"..\" path component";
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return "";
}

void CpioWriter::CheckUsable() const {
  if (finished_) throw CpioError("cpio: entry added after Finish()");
  if (in_entry_) {
    throw CpioError("cpio: archive is incomplete: an earlier entry failed while being written");
  }
}

void CpioWriter::BeginEntry(std::string_view name, uint32_t type) {
  CheckUsable();
  std::string problem = CheckName(name);
  if (!problem.empty()) throw CpioError("cpio: invalid name " + Quoted(name) + ": " + problem);
  if (types_.contains(name)) throw CpioError("cpio: duplicate entry " + Quoted(name));
  // A parent that is not a directory would make the kernel fail to create
  // the entry at boot; say so now, where the mistake is.
  for (size_t slash = name.find('/'); slash != std::string_view::npos;
       slash = name.find('/', slash + 1)) {
    auto it = types_.find(name.substr(0, slash));
    if (it != types_.end() && it->second != S_IFDIR) {
      throw CpioError("cpio: parent " + Quoted(name.substr(0, slash)) + " of " + Quoted(name) +
                      " is not a directory");
    }
  }
  if (options_.auto_parents) EnsureParents(name, options_.parent_directory_metadata);
  types_.emplace(std::string(name), type);
}

CpioWriter::Header CpioWriter::MakeHeader(uint32_t type, const CpioMetadata& meta,
                                          uint64_t size) {
  if ((meta.mode & ~07777u) != 0) {
    throw CpioError("cpio: mode has bits beyond 07777 (the type comes from the Add call)");
  }
  if (size > kMaxFieldValue) throw CpioError("cpio: entry larger than 4 GiB - 1 (newc limit)");
  Header h;
  h.mode = type | meta.mode;
  h.uid = meta.uid;
  h.gid = meta.gid;
  h.mtime = meta.mtime ? *meta.mtime : default_mtime_;
  h.size = size;
  return h;
}

void CpioWriter::WriteBytes(std::span<const uint8_t> bytes) {
  sink_->Write(bytes);
  offset_ += bytes.size();
}

void CpioWriter::PadTo(uint64_t alignment) {
  static constexpr uint8_t kZeros[512] = {};
  uint64_t pad = (alignment - offset_ % alignment) % alignment;
  WriteBytes(std::span<const uint8_t>(kZeros, static_cast<size_t>(pad)));
}

void CpioWriter::WriteHeader(std::string_view name, uint32_t ino, const Header& h) {
  // Until the entry is complete, a failure (of the sink, or of a host file
  // that changed) leaves the archive unusable; in_entry_ records that.
  in_entry_ = true;
  char header[kHeaderSize];
  std::memcpy(header, kMagic.data(), kMagic.size());
  const uint64_t fields[13] = {
      ino,
      h.mode,
      h.uid,
      h.gid,
      h.nlink,
      h.mtime,
      h.size,
      0,  // devmajor: the archive's own device numbers carry no meaning
      0,  // devminor
      h.rdev_major,
      h.rdev_minor,
      name.size() + 1,  // namesize counts the NUL
      0,                // check: only used by the 070702 (crc) variant
  };
  for (size_t i = 0; i < 13; ++i) PutHex8(header + kMagic.size() + 8 * i, fields[i]);
  WriteBytes(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(header), kHeaderSize));
  WriteBytes(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(name.data()), name.size()));
  static constexpr uint8_t kNul[1] = {0};
  WriteBytes(kNul);
  PadTo(4);
}

void CpioWriter::AddDirectory(std::string_view name, const CpioMetadata& meta) {
  Header h = MakeHeader(S_IFDIR, meta, 0);
  BeginEntry(name, S_IFDIR);
  h.nlink = 2;  // "." and the entry in its parent, as on a real filesystem
  WriteHeader(name, next_ino_++, h);
  in_entry_ = false;
}

void CpioWriter::AddFile(std::string_view name, std::span<const uint8_t> data,
                         const CpioMetadata& meta) {
  Header h = MakeHeader(S_IFREG, meta, data.size());
  BeginEntry(name, S_IFREG);
  WriteHeader(name, next_ino_++, h);
  WriteBytes(data);
  PadTo(4);
  in_entry_ = false;
}

void CpioWriter::AddFile(std::string_view name, std::string_view data, const CpioMetadata& meta) {
  AddFile(name, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(data.data()), data.size()),
          meta);
}

void CpioWriter::AddFileFromHost(std::string_view name, const std::filesystem::path& host_path,
                                 const CpioMetadata& meta) {
  int fd = open(host_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw CpioError("cpio: cannot open " + host_path.string() + ": " + ErrnoText(errno));
  FdCloser closer(fd);
  struct stat st;
  if (fstat(fd, &st) != 0) {
    throw CpioError("cpio: cannot stat " + host_path.string() + ": " + ErrnoText(errno));
  }
  if (!S_ISREG(st.st_mode)) throw CpioError("cpio: " + host_path.string() + " is not a regular file");
  uint64_t size = static_cast<uint64_t>(st.st_size);
  Header h = MakeHeader(S_IFREG, meta, size);
  BeginEntry(name, S_IFREG);
  WriteHeader(name, next_ino_++, h);

  // The header promised `size` bytes; a file that changes while it is read
  // would leave a corrupt archive, so that is an error, not a short entry.
  std::vector<uint8_t> buffer(kCopyChunk);
  uint64_t remaining = size;
  while (remaining > 0) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(remaining, buffer.size()));
    ssize_t n = read(fd, buffer.data(), want);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw CpioError("cpio: cannot read " + host_path.string() + ": " + ErrnoText(errno));
    }
    if (n == 0) throw CpioError("cpio: " + host_path.string() + " shrank while being archived");
    WriteBytes(std::span<const uint8_t>(buffer.data(), static_cast<size_t>(n)));
    remaining -= static_cast<uint64_t>(n);
  }
  uint8_t extra;
  ssize_t n;
  do {
    n = read(fd, &extra, 1);
  } while (n < 0 && errno == EINTR);
  if (n > 0) throw CpioError("cpio: " + host_path.string() + " grew while being archived");
  PadTo(4);
  in_entry_ = false;
}

void CpioWriter::AddHardLinkedFile(std::span<const std::string> names,
                                   std::span<const uint8_t> data, const CpioMetadata& meta) {
  if (names.empty()) throw CpioError("cpio: hard-linked file without a name");
  if (names.size() > kMaxFieldValue) throw CpioError("cpio: too many hard links");
  CheckUsable();
  Header h = MakeHeader(S_IFREG, meta, data.size());
  // Check every name before writing anything, so a bad name in the middle
  // of the group does not leave a half-written inode behind.
  for (size_t i = 0; i < names.size(); ++i) {
    std::string problem = CheckName(names[i]);
    if (!problem.empty()) throw CpioError("cpio: invalid name " + Quoted(names[i]) + ": " + problem);
    if (types_.contains(names[i])) throw CpioError("cpio: duplicate entry " + Quoted(names[i]));
    for (size_t j = 0; j < i; ++j) {
      if (names[j] == names[i]) throw CpioError("cpio: duplicate entry " + Quoted(names[i]));
    }
  }
  // Parents first, so that the entries of the inode stay together.
  if (options_.auto_parents) {
    for (const std::string& name : names) EnsureParents(name, options_.parent_directory_metadata);
  }
  uint32_t ino = next_ino_++;
  h.nlink = static_cast<uint32_t>(names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    bool last = i + 1 == names.size();
    Header link = h;
    link.size = last ? data.size() : 0;
    BeginEntry(names[i], S_IFREG);
    WriteHeader(names[i], ino, link);
    if (last) {
      WriteBytes(data);
      PadTo(4);
    }
    in_entry_ = false;
  }
}

void CpioWriter::AddSymlink(std::string_view name, std::string_view target,
                            const CpioMetadata& meta) {
  if (target.empty()) throw CpioError("cpio: symlink " + Quoted(name) + " has an empty target");
  if (target.find('\0') != std::string_view::npos) {
    throw CpioError("cpio: symlink target of " + Quoted(name) + " contains a NUL byte");
  }
  if (target.size() > kMaxNameSize) {
    throw CpioError("cpio: symlink target of " + Quoted(name) + " is longer than 4095 bytes");
  }
  Header h = MakeHeader(S_IFLNK, meta, target.size());
  BeginEntry(name, S_IFLNK);
  WriteHeader(name, next_ino_++, h);
  // The target is the entry's data, without a terminating NUL.
  WriteBytes(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(target.data()),
                                      target.size()));
  PadTo(4);
  in_entry_ = false;
}

void CpioWriter::AddDevice(std::string_view name, uint32_t type, uint32_t major, uint32_t minor,
                           const CpioMetadata& meta) {
  Header h = MakeHeader(type, meta, 0);
  BeginEntry(name, type);
  h.rdev_major = major;
  h.rdev_minor = minor;
  WriteHeader(name, next_ino_++, h);
  in_entry_ = false;
}

void CpioWriter::AddCharDevice(std::string_view name, uint32_t major, uint32_t minor,
                               const CpioMetadata& meta) {
  AddDevice(name, S_IFCHR, major, minor, meta);
}

void CpioWriter::AddBlockDevice(std::string_view name, uint32_t major, uint32_t minor,
                                const CpioMetadata& meta) {
  AddDevice(name, S_IFBLK, major, minor, meta);
}

void CpioWriter::AddFifo(std::string_view name, const CpioMetadata& meta) {
  AddDevice(name, S_IFIFO, 0, 0, meta);
}

void CpioWriter::EnsureParents(std::string_view name, const CpioMetadata& dir_meta) {
  std::string problem = CheckName(name);
  if (!problem.empty()) throw CpioError("cpio: invalid name " + Quoted(name) + ": " + problem);
  for (size_t slash = name.find('/'); slash != std::string_view::npos;
       slash = name.find('/', slash + 1)) {
    std::string_view parent = name.substr(0, slash);
    auto it = types_.find(parent);
    if (it == types_.end()) {
      AddDirectory(parent, dir_meta);
    } else if (it->second != S_IFDIR) {
      throw CpioError("cpio: parent " + Quoted(parent) + " of " + Quoted(name) +
                      " is not a directory");
    }
  }
}

void CpioWriter::Finish() {
  if (finished_) throw CpioError("cpio: Finish() called twice");
  CheckUsable();
  Header h;
  WriteHeader(kTrailerName, 0, h);
  PadTo(512);
  in_entry_ = false;
  finished_ = true;
}

}  // namespace tinyrange
