#include "guest-init/archive_disk_reader.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "guest-init/fragment_format.h"

namespace tinyrange {

using fragment::GetU32;
using fragment::GetU64;

namespace {

bool ReadAt(int fd, void* out, size_t n, uint64_t offset) {
  uint8_t* p = static_cast<uint8_t*>(out);
  while (n > 0) {
    ssize_t got = pread(fd, p, n, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      if (got == 0) errno = EIO;
      return false;
    }
    p += got;
    n -= static_cast<size_t>(got);
    offset += static_cast<uint64_t>(got);
  }
  return true;
}

}  // namespace

bool ArchiveDiskTable::Read(int fd, uint64_t disk_size, char* error, size_t error_size) {
  count_ = 0;
  auto fail = [&](const char* message) {
    snprintf(error, error_size, "archive disk: %s", message);
    return false;
  };
  if (disk_size < kArchiveDiskHeaderSize) return fail("truncated: smaller than its header");
  uint8_t header[kArchiveDiskHeaderSize];
  if (!ReadAt(fd, header, sizeof(header), 0)) {
    snprintf(error, error_size, "archive disk: cannot read the header: %s", strerror(errno));
    return false;
  }
  if (memcmp(header, kArchiveDiskMagic, sizeof(kArchiveDiskMagic)) != 0) {
    return fail("bad magic (not a tinyrange archive disk)");
  }
  if (GetU32(header + 8) != kArchiveDiskVersion) return fail("unsupported version");
  uint32_t count = GetU32(header + 12);
  uint64_t data_offset = GetU64(header + 16);
  if (count > kMaxArchiveDiskParts) return fail("too many parts");
  uint64_t table_end = kArchiveDiskHeaderSize + kArchiveDiskEntrySize * count;
  if (data_offset % kArchiveDiskAlignment != 0) return fail("data offset is not 4 KiB aligned");
  if (data_offset < table_end) return fail("the table runs past the data offset");
  if (data_offset > disk_size)
    return fail("truncated: the data offset is past the end of the disk");

  size_t table_size = static_cast<size_t>(kArchiveDiskEntrySize * count);
  if (!table_.Resize(table_size)) return fail("out of memory");
  if (!ReadAt(fd, table_.data(), table_size, kArchiveDiskHeaderSize)) {
    snprintf(error, error_size, "archive disk: cannot read the table: %s", strerror(errno));
    return false;
  }
  uint64_t previous_end = data_offset;
  for (uint32_t i = 0; i < count; ++i) {
    const uint8_t* e = table_.data() + kArchiveDiskEntrySize * i;
    uint64_t offset = GetU64(e);
    uint64_t size = GetU64(e + 8);
    for (size_t j = 48; j < kArchiveDiskEntrySize; ++j) {
      if (e[j] != 0) {
        snprintf(error, error_size, "archive disk: part %u: reserved bytes are not zero", i);
        return false;
      }
    }
    const char* problem = nullptr;
    if (offset % kArchiveDiskAlignment != 0) {
      problem = "offset is not 4 KiB aligned";
    } else if (offset < previous_end) {
      problem = "overlaps the table or the part before it";
    } else if (offset > disk_size || size > disk_size - offset) {
      problem = "runs past the end of the disk";
    }
    if (problem != nullptr) {
      snprintf(error, error_size, "archive disk: part %u (offset %llu, size %llu): %s", i,
               static_cast<unsigned long long>(offset), static_cast<unsigned long long>(size),
               problem);
      return false;
    }
    previous_end = offset + size;
  }
  count_ = count;
  return true;
}

ArchiveDiskPart ArchiveDiskTable::part(uint32_t i) const {
  const uint8_t* e = table_.data() + kArchiveDiskEntrySize * i;
  ArchiveDiskPart part;
  part.offset = GetU64(e);
  part.size = GetU64(e + 8);
  memcpy(part.sha256, e + 16, kSha256Size);
  for (uint8_t b : part.sha256) part.has_digest |= b != 0;
  return part;
}

}  // namespace tinyrange
