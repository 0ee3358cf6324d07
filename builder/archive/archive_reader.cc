#include "builder/archive/archive_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <vector>

#include "builder/archive/entry_codec.h"

namespace tinyrange::archive {

namespace {
constexpr size_t kBufferSize = 64 * 1024;
}  // namespace

class ArchiveReader::Impl {
 public:
  explicit Impl(std::filesystem::path path) : path_(std::move(path)) {
    fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw ArchiveError(path_.string() + ": cannot open: " + std::strerror(errno));
    struct stat st;
    if (::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode)) file_size_ = static_cast<uint64_t>(st.st_size);
    buffer_.resize(kBufferSize);
  }
  ~Impl() { ::close(fd_); }

  [[noreturn]] void Fail(uint64_t offset, const std::string& message) const {
    throw ArchiveError(path_.string() + ": offset " + std::to_string(offset) + ": " + message);
  }

  // Copies up to `size` bytes into `out`; fewer only at the end of the file.
  size_t ReadSome(char* out, size_t size) {
    size_t done = 0;
    while (done < size) {
      if (pos_ == len_) {
        if (!Fill()) break;
      }
      size_t n = std::min(size - done, len_ - pos_);
      std::memcpy(out + done, buffer_.data() + pos_, n);
      pos_ += n;
      offset_ += n;
      done += n;
    }
    return done;
  }

  void ReadExact(char* out, size_t size, const char* what) {
    uint64_t start = offset_;
    if (ReadSome(out, size) != size) {
      Fail(offset_, std::string("the archive is truncated: it ends inside ") + what + " that starts at offset " +
                        std::to_string(start));
    }
  }

  std::string ReadString(size_t size, const char* what) {
    std::string text(size, '\0');
    ReadExact(text.data(), size, what);
    return text;
  }

  // Moves past `size` bytes, seeking over whole stretches in a regular file.
  void Skip(uint64_t size, const char* what) {
    uint64_t start = offset_;
    uint64_t buffered = std::min<uint64_t>(size, len_ - pos_);
    pos_ += buffered;
    offset_ += buffered;
    size -= buffered;
    if (size == 0) return;
    if (file_size_) {
      if (offset_ > *file_size_ || size > *file_size_ - offset_) {
        Fail(*file_size_, std::string("the archive is truncated: it ends inside ") + what + " that starts at offset " +
                              std::to_string(start));
      }
      if (::lseek(fd_, static_cast<off_t>(offset_ + size), SEEK_SET) < 0) {
        Fail(offset_, std::string("cannot seek: ") + std::strerror(errno));
      }
      offset_ += size;
      return;
    }
    char scratch[4096];
    while (size > 0) {
      size_t want = static_cast<size_t>(std::min<uint64_t>(size, sizeof scratch));
      ReadExact(scratch, want, what);
      size -= want;
    }
  }

  bool Fill() {
    pos_ = 0;
    len_ = 0;
    for (;;) {
      ssize_t n = ::read(fd_, buffer_.data(), buffer_.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) Fail(offset_, std::string("cannot read: ") + std::strerror(errno));
      len_ = static_cast<size_t>(n);
      return n > 0;
    }
  }

  void ReadFileHeader() {
    char header[kFileHeaderSize];
    ReadExact(header, sizeof header, "the file header");
    if (std::memcmp(header, kFileMagic, sizeof kFileMagic) != 0) Fail(0, "not a tinyrange archive (bad magic)");
    uint32_t version = codec::GetU32(header + 8);
    if (version != kFormatVersion) {
      Fail(8, "unsupported format version " + std::to_string(version) + " (this reader knows version " +
                  std::to_string(kFormatVersion) + ")");
    }
    uint32_t flags = codec::GetU32(header + 12);
    if (flags != 0) Fail(12, "unknown flags " + std::to_string(flags));
  }

  std::optional<Entry> Next() {
    if (ended_) return std::nullopt;
    Skip(remaining_, "file data");
    remaining_ = 0;
    in_file_ = false;
    uint64_t padding_at = offset_;
    char zeros[kAlignment];
    size_t padding = codec::PaddingAfter(offset_);
    ReadExact(zeros, padding, "padding");
    for (size_t i = 0; i < padding; ++i) {
      if (zeros[i] != 0) Fail(padding_at + i, "padding byte is not zero");
    }

    uint64_t at = offset_;
    char bytes[kEntryHeaderSize];
    ReadExact(bytes, sizeof bytes, "an entry header");
    codec::RawHeader h = codec::DecodeHeader(bytes);
    if (h.magic != kEntryMagic) Fail(at, "bad entry magic (not at an entry header)");
    if (h.type == static_cast<uint8_t>(EntryType::kEnd)) {
      for (size_t i = 4; i < kEntryHeaderSize; ++i) {
        if (bytes[i] != 0) Fail(at + i, "the end entry has a nonzero field");
      }
      char extra;
      if (ReadSome(&extra, 1) != 0) Fail(offset_ - 1, "data follows the end entry");
      ended_ = true;
      return std::nullopt;
    }
    if (h.type > static_cast<uint8_t>(EntryType::kFifo)) Fail(at + 4, "unknown entry type " + std::to_string(h.type));
    if (h.reserved[0] || h.reserved[1] || h.reserved[2]) Fail(at + 5, "reserved header bytes are not zero");
    if (h.name_len == 0 || h.name_len > kMaxNameLength) {
      Fail(at + 36, "name length " + std::to_string(h.name_len) + " is outside 1.." + std::to_string(kMaxNameLength));
    }
    if (h.link_len > kMaxLinkLength) {
      Fail(at + 40,
           "link length " + std::to_string(h.link_len) + " is over the limit of " + std::to_string(kMaxLinkLength));
    }
    if (h.xattr_len > kMaxXattrBlock) {
      Fail(at + 44, "extended attribute block length " + std::to_string(h.xattr_len) + " is over the limit of " +
                        std::to_string(kMaxXattrBlock));
    }

    // The fields that depend on the type, before the variable-length parts
    // are read, so the error points at the field.
    auto type = static_cast<EntryType>(h.type);
    bool is_link = type == EntryType::kSymlink || type == EntryType::kHardLink;
    bool is_device = type == EntryType::kCharDevice || type == EntryType::kBlockDevice;
    if (is_link != (h.link_len != 0)) {
      Fail(at + 40, std::string("a ") + EntryTypeName(type) + (is_link ? " without" : " with") + " a link target");
    }
    if (!is_device && (h.dev_major != 0 || h.dev_minor != 0)) {
      Fail(at + 20, std::string("a ") + EntryTypeName(type) + " has device numbers");
    }
    if (type != EntryType::kFile && h.size != 0) {
      Fail(at + 48, std::string("a ") + EntryTypeName(type) + " has data (size " + std::to_string(h.size) + ")");
    }

    Entry entry;
    entry.type = type;
    entry.mode = h.mode;
    entry.uid = h.uid;
    entry.gid = h.gid;
    entry.dev_major = h.dev_major;
    entry.dev_minor = h.dev_minor;
    entry.mtime = h.mtime;
    entry.size = h.size;
    entry.name = ReadString(h.name_len, "an entry name");
    entry.link = ReadString(h.link_len, "a link target");
    uint64_t xattrs_at = offset_;
    std::string block = ReadString(h.xattr_len, "an extended attribute block");
    std::string problem;
    if (!codec::DecodeXattrs(block, &entry.xattrs, &problem)) {
      Fail(xattrs_at, "entry '" + entry.name + "': " + problem);
    }
    problem = codec::CheckEntryFields(entry);
    if (!problem.empty()) {
      Fail(at, "entry '" + entry.name + "' (" + EntryTypeName(entry.type) + "): " + problem);
    }
    if (entry.type == EntryType::kHardLink && !files_.contains(entry.link)) {
      Fail(at, "hard link '" + entry.name + "' names '" + entry.link + "', which is not an earlier regular file");
    }
    if (entry.type == EntryType::kFile) {
      files_.insert(entry.name);
      in_file_ = true;
      remaining_ = entry.size;
    }
    return entry;
  }

  size_t Read(char* out, size_t capacity) {
    if (!in_file_ || remaining_ == 0 || capacity == 0) return 0;
    size_t want = static_cast<size_t>(std::min<uint64_t>(capacity, remaining_));
    uint64_t start = offset_;
    size_t got = ReadSome(out, want);
    if (got == 0) {
      Fail(start, "the archive is truncated: it ends inside file data, " + std::to_string(remaining_) + " bytes short");
    }
    remaining_ -= got;
    return got;
  }

  std::filesystem::path path_;
  int fd_ = -1;
  std::optional<uint64_t> file_size_;
  std::vector<char> buffer_;
  size_t pos_ = 0;
  size_t len_ = 0;
  uint64_t offset_ = 0;  // of the next byte handed out
  uint64_t remaining_ = 0;
  bool in_file_ = false;
  bool ended_ = false;
  std::set<std::string> files_;
};

ArchiveReader::ArchiveReader(const std::filesystem::path& path) : impl_(new Impl(path)) {
  try {
    impl_->ReadFileHeader();
  } catch (...) {
    delete impl_;
    throw;
  }
}

ArchiveReader::~ArchiveReader() { delete impl_; }

std::optional<Entry> ArchiveReader::Next() { return impl_->Next(); }

size_t ArchiveReader::Read(char* buffer, size_t capacity) { return impl_->Read(buffer, capacity); }

std::string ArchiveReader::ReadAll() {
  std::string data;
  char chunk[64 * 1024];
  for (;;) {
    size_t n = Read(chunk, sizeof chunk);
    if (n == 0) return data;
    data.append(chunk, n);
  }
}

const std::filesystem::path& ArchiveReader::path() const { return impl_->path_; }

}  // namespace tinyrange::archive
