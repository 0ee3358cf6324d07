// A read-only disk assembled from several host files without copying them:
// how the builder hands package archives to guest-init.
//
// Layout (all integers little-endian), version 1:
//   offset 0      header, padded with zeros to a multiple of 4 KiB:
//                   char     magic[8]     "TRARCHV1"
//                   uint32   version      1
//                   uint32   count        number of files
//                   uint64   data_offset  where the first file starts
//                   count x entry (64 bytes each):
//                     uint64 offset       byte offset of the file on the disk
//                     uint64 size         its length in bytes
//                     uint8  sha256[32]   its SHA-256 as given by the caller (zeros: none)
//                     uint8  reserved[16]
//   then each file in order, starting 4 KiB-aligned, zero-filled between;
//   the disk ends at the last file's end rounded up to 4 KiB.
// The files are opened once and read on demand; they must not change while
// the VM runs (the builder's cache entries are immutable).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "vmm/scoped_fd.h"
#include "vmm/virtio/block_backend.h"

namespace tinyrange::virtio {

inline constexpr char kArchiveDiskMagic[8] = {'T', 'R', 'A', 'R', 'C', 'H', 'V', '1'};
inline constexpr uint64_t kArchiveDiskAlignment = 4096;
inline constexpr uint64_t kArchiveDiskEntrySize = 64;
inline constexpr uint64_t kArchiveDiskHeaderSize = 24;

struct ArchiveDiskPart {
  std::string path;
  std::array<uint8_t, 32> sha256{};  // zeros if unknown
};

class ArchiveDisk : public BlockBackend {
 public:
  // Throws VmmError naming the file that cannot be opened.
  static std::unique_ptr<ArchiveDisk> Open(const std::vector<ArchiveDiskPart>& parts);

  uint64_t size_bytes() const override { return size_; }
  bool read_only() const override { return true; }
  bool can_discard() const override { return false; }
  bool Read(uint64_t offset, std::span<const iovec> iov) override;
  bool Write(uint64_t, std::span<const iovec>) override { return false; }
  bool Flush() override { return true; }
  int Discard(uint64_t, uint64_t, bool) override { return EROFS; }

 private:
  struct File {
    ScopedFd fd;
    uint64_t offset;
    uint64_t size;
  };
  std::vector<uint8_t> header_;
  std::vector<File> files_;
  uint64_t size_ = 0;
};

}  // namespace tinyrange::virtio
