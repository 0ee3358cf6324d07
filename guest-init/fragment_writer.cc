#include "guest-init/fragment_writer.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

namespace tinyrange {

FragmentWriter::FragmentWriter(int fd, uint64_t offset, uint64_t limit, uint8_t* buffer,
                               size_t buffer_size)
    : fd_(fd), offset_(offset), limit_(limit), buffer_(buffer), capacity_(buffer_size) {}

bool FragmentWriter::Flush() {
  size_t at = 0;
  while (at < used_) {
    // Past the limit nothing is written: the archive does not fit.
    uint64_t room = limit_ > flushed_ ? limit_ - flushed_ : 0;
    size_t n = used_ - at;
    if (n > room) n = static_cast<size_t>(room);
    if (n == 0) break;
    ssize_t w = pwrite(fd_, buffer_ + at, n, static_cast<off_t>(offset_ + flushed_));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      if (w == 0) errno = EIO;
      return false;
    }
    at += static_cast<size_t>(w);
    flushed_ += static_cast<uint64_t>(w);
  }
  used_ = 0;
  return true;
}

bool FragmentWriter::Put(const void* data, size_t size) {
  const uint8_t* p = static_cast<const uint8_t*>(data);
  length_ += size;
  while (size > 0) {
    if (used_ == capacity_ && !Flush()) return false;
    size_t n = capacity_ - used_ < size ? capacity_ - used_ : size;
    memcpy(buffer_ + used_, p, n);
    used_ += n;
    p += n;
    size -= n;
  }
  return true;
}

bool FragmentWriter::Begin() {
  uint8_t header[fragment::kFileHeaderSize] = {};
  memcpy(header, fragment::kFileMagic, 8);
  fragment::PutU32(header + 8, fragment::kFormatVersion);
  return Put(header, sizeof(header));
}

bool FragmentWriter::Entry(const FragmentEntryInfo& e) {
  uint8_t h[fragment::kEntryHeaderSize] = {};
  fragment::PutU32(h + fragment::kOffMagic, fragment::kEntryMagic);
  h[fragment::kOffType] = static_cast<uint8_t>(e.type);
  fragment::PutU32(h + fragment::kOffMode, e.mode & 07777);
  fragment::PutU32(h + fragment::kOffUid, e.uid);
  fragment::PutU32(h + fragment::kOffGid, e.gid);
  fragment::PutU32(h + fragment::kOffDevMajor, e.dev_major);
  fragment::PutU32(h + fragment::kOffDevMinor, e.dev_minor);
  fragment::PutU64(h + fragment::kOffMtime, static_cast<uint64_t>(e.mtime));
  fragment::PutU32(h + fragment::kOffNameLen, static_cast<uint32_t>(e.name.size()));
  fragment::PutU32(h + fragment::kOffLinkLen, static_cast<uint32_t>(e.link.size()));
  fragment::PutU32(h + fragment::kOffXattrLen, static_cast<uint32_t>(e.xattrs.size()));
  fragment::PutU64(h + fragment::kOffSize, e.size);
  return Put(h, sizeof(h)) && Put(e.name.data(), e.name.size()) &&
         Put(e.link.data(), e.link.size()) && Put(e.xattrs.data(), e.xattrs.size());
}

bool FragmentWriter::Data(const void* data, size_t size) { return Put(data, size); }

bool FragmentWriter::FinishEntry() {
  static const uint8_t kZeros[fragment::kAlignment] = {};
  size_t padding = static_cast<size_t>((fragment::kAlignment - length_ % fragment::kAlignment) %
                                       fragment::kAlignment);
  return Put(kZeros, padding);
}

bool FragmentWriter::End() {
  uint8_t h[fragment::kEntryHeaderSize] = {};
  fragment::PutU32(h, fragment::kEntryMagic);
  return Put(h, sizeof(h)) && Flush();
}

}  // namespace tinyrange
