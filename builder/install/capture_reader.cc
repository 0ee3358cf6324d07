#include "builder/install/capture_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <string>

#include "builder/archive/archive_reader.h"
#include "builder/install/install_error.h"

namespace tinyrange::install {

namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

uint32_t Le32(const unsigned char* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 |
         static_cast<uint32_t>(p[3]) << 24;
}

uint64_t Le64(const unsigned char* p) {
  return static_cast<uint64_t>(Le32(p)) | static_cast<uint64_t>(Le32(p + 4)) << 32;
}

[[noreturn]] void Fail(const std::filesystem::path& disk, uint64_t offset, const std::string& message) {
  throw InstallError(disk.string() + ": capture disk, offset " + std::to_string(offset) + ": " + message);
}

// Reads exactly `size` bytes at `offset` (pread: the kernel never gives a
// short read of a regular file except at its end).
void ReadAt(int fd, const std::filesystem::path& disk, uint64_t offset, void* out, size_t size) {
  auto* bytes = static_cast<char*>(out);
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::pread(fd, bytes + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) Fail(disk, offset + done, std::string("cannot read: ") + std::strerror(errno));
    if (n == 0) Fail(disk, offset + done, "the disk ends early");
    done += static_cast<size_t>(n);
  }
}

void WriteAll(int fd, const std::filesystem::path& path, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw InstallError(path.string() + ": cannot write: " + std::strerror(errno));
    data += n;
    size -= static_cast<size_t>(n);
  }
}

// Removes the temporary copy unless it was renamed into place.
struct TemporaryFile {
  std::filesystem::path path;
  bool keep = false;
  ~TemporaryFile() {
    if (!keep) ::unlink(path.c_str());
  }
};

// An ArchiveReader message names the temporary copy and an offset in the
// archive; the caller wants the disk and the offset on the disk.
std::string DiskMessage(std::string message, const std::string& temporary, const std::filesystem::path& disk) {
  std::string prefix = temporary + ": offset ";
  if (message.starts_with(prefix)) {
    size_t end = prefix.size();
    uint64_t offset = 0;
    while (end < message.size() && message[end] >= '0' && message[end] <= '9' && offset < (UINT64_MAX - 9) / 10) {
      offset = offset * 10 + static_cast<uint64_t>(message[end] - '0');
      ++end;
    }
    if (end > prefix.size()) {
      return disk.string() + ": capture disk, offset " + std::to_string(kCaptureHeaderSize + offset) +
             " (archive offset " + std::to_string(offset) + ")" + message.substr(end);
    }
  }
  for (size_t at = message.find(temporary); at != std::string::npos; at = message.find(temporary, at)) {
    message.replace(at, temporary.size(), disk.string() + " (captured archive)");
    at += disk.string().size();
  }
  return disk.string() + ": capture disk: " + message;
}

}  // namespace

CaptureResult ReadCapture(const std::filesystem::path& disk, const std::filesystem::path& output) {
  Fd fd(::open(disk.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) throw InstallError(disk.string() + ": cannot open the capture disk: " + std::strerror(errno));
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) throw InstallError(disk.string() + ": cannot stat: " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw InstallError(disk.string() + ": the capture disk is not a regular file");
  uint64_t disk_size = static_cast<uint64_t>(st.st_size);
  if (disk_size < kCaptureHeaderSize) {
    Fail(disk, 0,
         "the disk is " + std::to_string(disk_size) + " bytes, smaller than the " + std::to_string(kCaptureHeaderSize) +
             "-byte header");
  }

  std::array<unsigned char, kCaptureHeaderSize> header;
  ReadAt(fd.get(), disk, 0, header.data(), header.size());
  if (std::memcmp(header.data(), kCaptureMagic, sizeof kCaptureMagic) != 0) {
    // An all-zero header: the guest never wrote one (it failed before, or
    // did not capture).
    bool zero = std::all_of(header.begin(), header.begin() + 8, [](unsigned char c) { return c == 0; });
    Fail(disk, 0, zero ? "no capture header (the guest wrote nothing)" : "bad magic: not a capture disk");
  }
  uint32_t version = Le32(header.data() + 8);
  if (version != kCaptureVersion) Fail(disk, 8, "unsupported capture version " + std::to_string(version));
  uint32_t status = Le32(header.data() + 12);
  uint64_t length = Le64(header.data() + 16);
  for (size_t i = 24; i < header.size(); ++i) {
    if (header[i] != 0) Fail(disk, i, "the header's reserved bytes are not zero");
  }
  CaptureResult result;
  switch (status) {
    case static_cast<uint32_t>(CaptureStatus::kComplete):
      result.status = CaptureStatus::kComplete;
      break;
    case static_cast<uint32_t>(CaptureStatus::kNotCacheable):
    case static_cast<uint32_t>(CaptureStatus::kTooLarge):
      if (length != 0) {
        Fail(disk, 16, "status " + std::to_string(status) + " must have length 0, not " + std::to_string(length));
      }
      result.status = static_cast<CaptureStatus>(status);
      return result;
    default:
      Fail(disk, 12, "unknown capture status " + std::to_string(status));
  }
  // disk_size >= kCaptureHeaderSize was checked, so this cannot wrap.
  if (length > disk_size - kCaptureHeaderSize) {
    Fail(disk, 16,
         "the archive length " + std::to_string(length) + " goes past the end of the " + std::to_string(disk_size) +
             "-byte disk");
  }
  result.length = length;

  // Copy first, then validate the copy: what is checked is exactly what is
  // kept, even if the disk file changes meanwhile.
  // mkostemp: unique even between threads of one process.
  std::string pattern = output.string() + ".tmp.XXXXXX";
  Fd created(::mkostemp(pattern.data(), O_CLOEXEC));
  if (created.get() < 0) throw InstallError(pattern + ": cannot create: " + std::strerror(errno));
  TemporaryFile temporary{pattern};
  {
    Fd out(created.release());
    if (::fchmod(out.get(), 0644) != 0) {
      throw InstallError(temporary.path.string() + ": cannot chmod: " + std::strerror(errno));
    }
    std::string buffer(1 << 20, '\0');
    for (uint64_t done = 0; done < length;) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(buffer.size(), length - done));
      ReadAt(fd.get(), disk, kCaptureHeaderSize + done, buffer.data(), n);
      WriteAll(out.get(), temporary.path, buffer.data(), n);
      done += n;
    }
    if (::fsync(out.get()) != 0 || ::close(out.release()) != 0) {
      throw InstallError(temporary.path.string() + ": cannot write: " + std::strerror(errno));
    }
  }
  try {
    archive::ArchiveReader reader(temporary.path);
    char buffer[64 * 1024];
    while (reader.Next()) {
      while (reader.Read(buffer, sizeof buffer) > 0) {
      }
    }
  } catch (const archive::ArchiveError& error) {
    throw InstallError(DiskMessage(error.what(), temporary.path.string(), disk));
  }
  std::error_code error;
  std::filesystem::rename(temporary.path, output, error);
  if (error)
    throw InstallError(output.string() + ": cannot rename the captured archive into place: " + error.message());
  temporary.keep = true;
  return result;
}

}  // namespace tinyrange::install
