// The table of contents of the archive disk (layout in
// vmm/virtio/archive_disk.h, which is the specification; that header is
// host code and is not included here). The disk comes from the host, but
// guest-init still checks every bound before it trusts an offset, so that a
// corrupt disk is an error message rather than a read of garbage.
#pragma once

#include <cstddef>
#include <cstdint>

#include "guest-init/byte_buffer.h"
#include "guest-init/sha256.h"

namespace tinyrange {

inline constexpr char kArchiveDiskMagic[8] = {'T', 'R', 'A', 'R', 'C', 'H', 'V', '1'};
inline constexpr uint32_t kArchiveDiskVersion = 1;
inline constexpr uint64_t kArchiveDiskAlignment = 4096;
inline constexpr uint64_t kArchiveDiskHeaderSize = 24;
inline constexpr uint64_t kArchiveDiskEntrySize = 64;
// Far more parts than any plan has; bounds the table guest-init reads.
inline constexpr uint32_t kMaxArchiveDiskParts = 65536;

struct ArchiveDiskPart {
  uint64_t offset = 0;
  uint64_t size = 0;
  uint8_t sha256[kSha256Size] = {};
  bool has_digest = false;  // false when the table's digest is all zeros
};

class ArchiveDiskTable {
 public:
  // Reads the header and table of the disk open at `fd`, `disk_size` bytes
  // long, and checks them: magic, version, the table within data_offset,
  // every part 4 KiB aligned, in order, not overlapping and inside the
  // disk. On failure returns false with the reason in `error`.
  bool Read(int fd, uint64_t disk_size, char* error, size_t error_size);

  uint32_t count() const { return count_; }
  // i < count().
  ArchiveDiskPart part(uint32_t i) const;

 private:
  ByteBuffer table_;
  uint32_t count_ = 0;
};

}  // namespace tinyrange
