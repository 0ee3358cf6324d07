// virtio-blk (virtio 1.x, 5.2) backed by a host file or block device.
//
// Requests are served with preadv/pwritev straight between the file and
// guest memory. A request's header, data and status byte may be split
// across descriptors in any way the spec allows; every sector range is
// checked against the disk's capacity, and errors are reported to the
// guest in the status byte (IOERR, UNSUPP), never by stopping the VMM.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "vmm/guest_memory.h"
#include "vmm/virtio/archive_disk.h"
#include "vmm/virtio/block_backend.h"
#include "vmm/virtio/virtio_device.h"

namespace tinyrange::virtio {

inline constexpr uint32_t kBlockRequestIn = 0;
inline constexpr uint32_t kBlockRequestOut = 1;
inline constexpr uint32_t kBlockRequestFlush = 4;
inline constexpr uint32_t kBlockRequestGetId = 8;
inline constexpr uint32_t kBlockRequestDiscard = 11;
inline constexpr uint32_t kBlockRequestWriteZeroes = 13;
inline constexpr uint8_t kBlockStatusOk = 0;
inline constexpr uint8_t kBlockStatusIoError = 1;
inline constexpr uint8_t kBlockStatusUnsupported = 2;

inline constexpr uint64_t kBlockFeatureSegMax = 1ULL << 2;
inline constexpr uint64_t kBlockFeatureReadOnly = 1ULL << 5;
inline constexpr uint64_t kBlockFeatureBlockSize = 1ULL << 6;
inline constexpr uint64_t kBlockFeatureFlush = 1ULL << 9;
inline constexpr uint64_t kBlockFeatureDiscard = 1ULL << 13;
inline constexpr uint64_t kBlockFeatureWriteZeroes = 1ULL << 14;

inline constexpr uint64_t kSectorSize = 512;

struct BlockOptions {
  std::string path;
  bool read_only = false;
  std::string id;  // reported by GET_ID (at most 20 bytes)
  // When not empty, the disk is a read-only ArchiveDisk assembled from
  // these files (archive_disk.h) and `path` is unused.
  std::vector<ArchiveDiskPart> archive_parts;
  bool direct = false;  // O_DIRECT: bypass the host page cache (file_backend.h)
};

class VirtioBlock : public VirtioDevice {
 public:
  // Opens the backing file(s); throws VmmError naming one on failure.
  static std::unique_ptr<VirtioBlock> Open(const BlockOptions& options, const GuestMemory* memory);
  VirtioBlock(std::unique_ptr<BlockBackend> backend, std::string id, const GuestMemory* memory);

  uint32_t device_id() const override { return kDeviceIdBlock; }
  uint64_t device_features() const override;
  uint16_t queue_count() const override { return 1; }
  uint16_t queue_max_size() const override { return 256; }
  void ReadConfig(uint64_t offset, std::span<uint8_t> data) override;
  void WriteConfig(uint64_t, std::span<const uint8_t>) override {}
  void Activate(VirtioContext* context) override { context_ = context; }
  void QueueNotify(uint16_t queue) override;
  void Reset() override { context_ = nullptr; }

  uint64_t capacity_sectors() const { return capacity_; }

 private:
  // Serves one request; returns the number of bytes written to the guest.
  uint32_t Serve(const DescriptorChain& chain);
  uint8_t ReadWrite(const DescriptorChain& chain, bool write, uint64_t sector, uint64_t data_length);
  uint8_t DiscardOrZero(const DescriptorChain& chain, bool zero, uint64_t data_length);

  std::unique_ptr<BlockBackend> backend_;
  std::string id_;
  const GuestMemory* memory_ = nullptr;
  uint64_t capacity_ = 0;  // in sectors
  VirtioContext* context_ = nullptr;
};

}  // namespace tinyrange::virtio
