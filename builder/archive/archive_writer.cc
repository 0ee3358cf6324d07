#include "builder/archive/archive_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "builder/archive/entry_codec.h"
#include "builder/download/sha256.h"

namespace tinyrange::archive {

namespace {
constexpr size_t kBufferSize = 256 * 1024;
}  // namespace

// Bytes go through one buffer into the file and into the hash, so the
// archive is never held in memory and its SHA-256 costs no second pass.
class ArchiveWriter::Impl {
 public:
  explicit Impl(std::filesystem::path path) : path_(std::move(path)) {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) Fail("cannot create the file: " + std::string(std::strerror(errno)));
    buffer_.reserve(kBufferSize);
  }
  ~Impl() {
    if (fd_ >= 0) ::close(fd_);
  }

  [[noreturn]] void Fail(const std::string& message) const { throw ArchiveError(path_.string() + ": " + message); }
  [[noreturn]] void FailEntry(const Entry& entry, const std::string& message) const {
    Fail("entry '" + entry.name + "' (" + EntryTypeName(entry.type) + "): " + message);
  }

  // Throws unless another entry may be added now.
  void CheckOpen() const {
    if (finished_) Fail("the archive is already finished");
    if (broken_) Fail("an earlier error left the archive incomplete");
  }

  // Everything about `entry` that can be checked before any byte is written.
  void Validate(const Entry& entry) const {
    std::string problem = codec::CheckEntryFields(entry);
    if (!problem.empty()) FailEntry(entry, problem);
    if (entry.type == EntryType::kHardLink && !files_.contains(entry.link)) {
      FailEntry(entry, "the hard link target '" + entry.link + "' is not an earlier regular file of the archive");
    }
  }

  void Append(const void* data, size_t size, uint64_t& offset) {
    const char* bytes = static_cast<const char*>(data);
    while (size > 0) {
      size_t n = std::min(size, kBufferSize - buffer_.size());
      buffer_.insert(buffer_.end(), bytes, bytes + n);
      bytes += n;
      size -= n;
      offset += n;
      if (buffer_.size() == kBufferSize) Flush();
    }
  }

  void Flush() {
    hash_.Update(buffer_.data(), buffer_.size());
    size_t done = 0;
    while (done < buffer_.size()) {
      ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        broken_ = true;
        Fail("cannot write: " + std::string(std::strerror(errno)));
      }
      done += static_cast<size_t>(n);
    }
    buffer_.clear();
  }

  // Header, name, link and xattr block of an entry already validated.
  void WriteHead(const Entry& entry, uint64_t& offset) {
    std::string xattrs = codec::EncodeXattrs(entry.xattrs);
    char header[kEntryHeaderSize];
    codec::EncodeHeader(codec::HeaderFor(entry, static_cast<uint32_t>(xattrs.size())), header);
    Append(header, sizeof header, offset);
    Append(entry.name.data(), entry.name.size(), offset);
    Append(entry.link.data(), entry.link.size(), offset);
    Append(xattrs.data(), xattrs.size(), offset);
  }

  void Pad(uint64_t& offset) {
    static const char kZeros[kAlignment] = {};
    Append(kZeros, codec::PaddingAfter(offset), offset);
  }

  void Record(const Entry& entry) {
    if (entry.type == EntryType::kFile) files_.insert(entry.name);
  }

  std::string Finish(uint64_t& offset) {
    CheckOpen();
    char header[kEntryHeaderSize];
    codec::RawHeader end;
    end.type = static_cast<uint8_t>(EntryType::kEnd);
    codec::EncodeHeader(end, header);
    Append(header, sizeof header, offset);
    Flush();
    // The archive is about to be named by its hash in a content-addressed
    // store: it must be on disk before anyone can rename it into place.
    if (::fsync(fd_) != 0) Fail("cannot sync: " + std::string(std::strerror(errno)));
    int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) Fail("cannot close: " + std::string(std::strerror(errno)));
    finished_ = true;
    return hash_.HexDigest();
  }

  std::filesystem::path path_;
  int fd_ = -1;
  std::vector<char> buffer_;
  download::Sha256 hash_;
  std::set<std::string> files_;
  bool finished_ = false;
  // Set when a write failed or a streamed file came out the wrong size:
  // the bytes on disk no longer form an archive.
  bool broken_ = false;
};

ArchiveWriter::ArchiveWriter(const std::filesystem::path& path) : impl_(new Impl(path)) {
  char header[kFileHeaderSize];
  std::memcpy(header, kFileMagic, sizeof kFileMagic);
  codec::PutU32(header + 8, kFormatVersion);
  codec::PutU32(header + 12, 0);
  impl_->Append(header, sizeof header, offset_);
}

ArchiveWriter::~ArchiveWriter() { delete impl_; }

void ArchiveWriter::Add(const Entry& entry) {
  impl_->CheckOpen();
  impl_->Validate(entry);
  if (entry.type == EntryType::kFile && entry.size != 0) {
    impl_->FailEntry(entry, "a file with data must be added with AddFile or AddFileFrom");
  }
  impl_->WriteHead(entry, offset_);
  impl_->Pad(offset_);
  impl_->Record(entry);
}

void ArchiveWriter::AddFile(const Entry& entry, std::string_view data) {
  impl_->CheckOpen();
  if (entry.type != EntryType::kFile) impl_->FailEntry(entry, "AddFile is for regular files only");
  impl_->Validate(entry);
  if (data.size() != entry.size) {
    impl_->FailEntry(entry, "the entry's size is " + std::to_string(entry.size) + " but " +
                                std::to_string(data.size()) + " bytes of data were given");
  }
  impl_->WriteHead(entry, offset_);
  impl_->Append(data.data(), data.size(), offset_);
  impl_->Pad(offset_);
  impl_->Record(entry);
}

void ArchiveWriter::AddFileFrom(const Entry& entry, const std::function<size_t(char* buffer, size_t capacity)>& read) {
  impl_->CheckOpen();
  if (entry.type != EntryType::kFile) impl_->FailEntry(entry, "AddFileFrom is for regular files only");
  impl_->Validate(entry);
  impl_->WriteHead(entry, offset_);
  std::vector<char> chunk(64 * 1024);
  uint64_t remaining = entry.size;
  // From here on a failure leaves a partial entry in the file.
  impl_->broken_ = true;
  while (remaining > 0) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(remaining, chunk.size()));
    size_t got = read(chunk.data(), want);
    if (got > want) impl_->FailEntry(entry, "the data source returned more bytes than asked for");
    if (got == 0) {
      impl_->FailEntry(entry, "the data ended after " + std::to_string(entry.size - remaining) + " of " +
                                  std::to_string(entry.size) + " bytes");
    }
    impl_->Append(chunk.data(), got, offset_);
    remaining -= got;
  }
  if (read(chunk.data(), chunk.size()) != 0) {
    impl_->FailEntry(entry, "the data source has more than the entry's " + std::to_string(entry.size) + " bytes");
  }
  impl_->Pad(offset_);
  impl_->broken_ = false;
  impl_->Record(entry);
}

std::string ArchiveWriter::Finish() { return impl_->Finish(offset_); }

}  // namespace tinyrange::archive
