#include "vmm/virtio/block.h"

#include <cerrno>
#include <cstring>

#include "vmm/devices/bus.h"
#include "vmm/virtio/chain_io.h"
#include "vmm/virtio/file_backend.h"
#include "vmm/vmm_error.h"

namespace tinyrange::virtio {

namespace {

constexpr uint64_t kHeaderSize = 16;  // type, reserved, sector
constexpr uint32_t kSegMax = 128;
constexpr uint64_t kIdLength = 20;
constexpr uint64_t kDiscardSegmentSize = 16;  // sector, num_sectors, flags
constexpr uint32_t kMaxDiscardSectors = 1u << 22;

// Offsets in struct virtio_blk_config.
constexpr uint64_t kConfigCapacity = 0;
constexpr uint64_t kConfigSegMax = 12;
constexpr uint64_t kConfigBlockSize = 20;
constexpr uint64_t kConfigMaxDiscardSectors = 36;
constexpr uint64_t kConfigMaxDiscardSeg = 40;
constexpr uint64_t kConfigDiscardAlignment = 44;
constexpr uint64_t kConfigMaxWriteZeroesSectors = 48;
constexpr uint64_t kConfigMaxWriteZeroesSeg = 52;
constexpr uint64_t kConfigSize = 60;

template <typename T>
void Put(uint8_t* config, uint64_t offset, T value) {
  std::memcpy(config + offset, &value, sizeof value);
}

}  // namespace

std::unique_ptr<VirtioBlock> VirtioBlock::Open(const BlockOptions& options, const GuestMemory* memory) {
  if (options.id.size() > kIdLength) throw VmmError("disk id '" + options.id + "' is longer than 20 bytes");
  std::unique_ptr<BlockBackend> backend;
  if (!options.archive_parts.empty()) {
    backend = ArchiveDisk::Open(options.archive_parts);
  } else {
    backend = FileBackend::Open(options.path, options.read_only, options.direct);
  }
  return std::make_unique<VirtioBlock>(std::move(backend), options.id, memory);
}

VirtioBlock::VirtioBlock(std::unique_ptr<BlockBackend> backend, std::string id, const GuestMemory* memory)
    : backend_(std::move(backend)), id_(std::move(id)), memory_(memory) {
  // A partial last sector is not addressable by the guest.
  capacity_ = backend_->size_bytes() / kSectorSize;
}

uint64_t VirtioBlock::device_features() const {
  uint64_t f = kBlockFeatureSegMax | kBlockFeatureBlockSize | kBlockFeatureFlush;
  if (backend_->read_only()) f |= kBlockFeatureReadOnly;
  if (backend_->can_discard()) f |= kBlockFeatureDiscard | kBlockFeatureWriteZeroes;
  return f;
}

void VirtioBlock::ReadConfig(uint64_t offset, std::span<uint8_t> data) {
  uint8_t config[kConfigSize] = {};
  Put<uint64_t>(config, kConfigCapacity, capacity_);
  Put<uint32_t>(config, kConfigSegMax, kSegMax);
  Put<uint32_t>(config, kConfigBlockSize, static_cast<uint32_t>(kSectorSize));
  Put<uint32_t>(config, kConfigMaxDiscardSectors, kMaxDiscardSectors);
  Put<uint32_t>(config, kConfigMaxDiscardSeg, 1);
  Put<uint32_t>(config, kConfigDiscardAlignment, 1);
  Put<uint32_t>(config, kConfigMaxWriteZeroesSectors, kMaxDiscardSectors);
  Put<uint32_t>(config, kConfigMaxWriteZeroesSeg, 1);
  ReadConfigBytes(config, offset, data);
}

void VirtioBlock::QueueNotify(uint16_t queue) {
  if (!context_ || queue != 0) return;
  SplitQueue& q = context_->queue(0);
  std::string error;
  bool served = false;
  while (auto chain = q.Pop(&error)) {
    q.Push(chain->head, Serve(*chain));
    served = true;
  }
  if (!error.empty()) context_->NeedsReset(error);
  if (served) context_->NotifyUsed(0);
}

uint32_t VirtioBlock::Serve(const DescriptorChain& chain) {
  ChainIo io(*memory_, chain);
  // The status byte is the last device-writable byte.
  if (chain.writable_bytes == 0) return 0;
  uint64_t status_offset = chain.writable_bytes - 1;
  auto finish = [&](uint8_t status, uint64_t data_written) {
    io.WriteWritable(status_offset, std::span<const uint8_t>(&status, 1));
    return static_cast<uint32_t>(data_written + 1);
  };
  uint8_t header[kHeaderSize];
  if (!io.ReadReadable(0, header)) return finish(kBlockStatusIoError, 0);
  uint32_t type;
  uint64_t sector;
  std::memcpy(&type, header, 4);
  std::memcpy(&sector, header + 8, 8);
  uint64_t readable_data = chain.readable_bytes - kHeaderSize;
  uint64_t writable_data = status_offset;
  switch (type) {
    case kBlockRequestIn: {
      uint8_t s = ReadWrite(chain, false, sector, writable_data);
      return finish(s, s == kBlockStatusOk ? writable_data : 0);
    }
    case kBlockRequestOut:
      if (backend_->read_only()) return finish(kBlockStatusIoError, 0);
      return finish(ReadWrite(chain, true, sector, readable_data), 0);
    case kBlockRequestFlush:
      return finish(backend_->Flush() ? kBlockStatusOk : kBlockStatusIoError, 0);
    case kBlockRequestGetId: {
      uint8_t id[kIdLength] = {};
      std::memcpy(id, id_.data(), std::min<size_t>(id_.size(), kIdLength));
      uint64_t n = std::min<uint64_t>(writable_data, kIdLength);
      io.WriteWritable(0, std::span<const uint8_t>(id, n));
      return finish(kBlockStatusOk, n);
    }
    case kBlockRequestDiscard:
    case kBlockRequestWriteZeroes:
      if (!backend_->can_discard()) return finish(kBlockStatusUnsupported, 0);
      return finish(DiscardOrZero(chain, type == kBlockRequestWriteZeroes, readable_data), 0);
    default:
      return finish(kBlockStatusUnsupported, 0);
  }
}

uint8_t VirtioBlock::ReadWrite(const DescriptorChain& chain, bool write, uint64_t sector, uint64_t length) {
  if (length % kSectorSize != 0) return kBlockStatusIoError;
  uint64_t sectors = length / kSectorSize;
  if (sector > capacity_ || sectors > capacity_ - sector) return kBlockStatusIoError;
  std::vector<iovec> iov;
  ChainIo io(*memory_, chain);
  if (!io.Iovecs(write ? false : true, write ? kHeaderSize : 0, length, &iov)) return kBlockStatusIoError;
  uint64_t offset = sector * kSectorSize;
  bool ok = write ? backend_->Write(offset, iov) : backend_->Read(offset, iov);
  if (!ok) return kBlockStatusIoError;
  return kBlockStatusOk;
}

uint8_t VirtioBlock::DiscardOrZero(const DescriptorChain& chain, bool zero, uint64_t length) {
  if (length == 0 || length % kDiscardSegmentSize != 0) return kBlockStatusIoError;
  ChainIo io(*memory_, chain);
  for (uint64_t at = 0; at < length; at += kDiscardSegmentSize) {
    uint8_t segment[kDiscardSegmentSize];
    if (!io.ReadReadable(kHeaderSize + at, segment)) return kBlockStatusIoError;
    uint64_t sector;
    uint32_t count;
    std::memcpy(&sector, segment, 8);
    std::memcpy(&count, segment + 8, 4);
    if (count > kMaxDiscardSectors || sector > capacity_ || count > capacity_ - sector) return kBlockStatusIoError;
    int err = backend_->Discard(sector * kSectorSize, static_cast<uint64_t>(count) * kSectorSize, zero);
    if (err != 0) return err == EOPNOTSUPP ? kBlockStatusUnsupported : kBlockStatusIoError;
  }
  return kBlockStatusOk;
}

}  // namespace tinyrange::virtio
