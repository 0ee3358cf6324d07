// The virtio-mmio transport, version 2 (modern only; virtio 1.x, 4.2).
//
// One 4 KiB register window per device. Registers are 32-bit; accesses of
// another width, or to read-only/write-only registers the wrong way, are
// ignored (reads see 0), as a hostile or buggy driver must not disturb the
// VMM. Feature negotiation refuses drivers without VIRTIO_F_VERSION_1 or
// with features we did not offer; queues are validated when the driver
// marks them ready.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "vmm/devices/bus.h"
#include "vmm/devices/irq_line.h"
#include "vmm/guest_memory.h"
#include "vmm/virtio/virtio_device.h"

namespace tinyrange::virtio {

inline constexpr uint32_t kMmioMagic = 0x74726976;  // "virt"
inline constexpr uint32_t kMmioVersion = 2;
inline constexpr uint32_t kMmioVendorId = 0x474e5254;  // "TRNG"
inline constexpr uint64_t kMmioQueueNotifyOffset = 0x050;

// Device status bits.
inline constexpr uint32_t kStatusAcknowledge = 1;
inline constexpr uint32_t kStatusDriver = 2;
inline constexpr uint32_t kStatusDriverOk = 4;
inline constexpr uint32_t kStatusFeaturesOk = 8;
inline constexpr uint32_t kStatusNeedsReset = 64;
inline constexpr uint32_t kStatusFailed = 128;

// Interrupt status bits.
inline constexpr uint32_t kInterruptUsedBuffer = 1;
inline constexpr uint32_t kInterruptConfigChange = 2;

class VirtioMmioTransport : public BusDevice, private VirtioContext {
 public:
  VirtioMmioTransport(std::unique_ptr<VirtioDevice> device, const GuestMemory* memory, IrqLine* irq);

  void Read(uint64_t offset, std::span<uint8_t> data) override;
  void Write(uint64_t offset, std::span<const uint8_t> data) override;

  // What a write of `queue_index` to QueueNotify does; called by the I/O
  // thread when the guest's notification arrived through an ioeventfd.
  void Notify(uint32_t queue_index);
  uint16_t queue_count() const { return static_cast<uint16_t>(queues_.size()); }

  uint32_t status() const;
  // Why the device last asked for a reset ("" if it did not).
  std::string needs_reset_reason() const;

 private:
  struct QueueRegisters {
    uint16_t size = 0;
    bool ready = false;
    uint64_t descriptors = 0, driver_area = 0, device_area = 0;
  };

  uint32_t ReadRegister(uint64_t offset);
  void WriteRegister(uint64_t offset, uint32_t value);
  void SetStatus(uint32_t value);
  void NotifyLocked(uint32_t queue_index);
  void ResetLocked();
  void UpdateInterruptLocked();
  uint64_t offered_features() const;

  // VirtioContext
  SplitQueue& queue(uint16_t index) override { return queues_[index]; }
  void NotifyUsed(uint16_t queue) override;
  void NeedsReset(const std::string& why) override;
  void NotifyConfigChanged() override;
  uint64_t negotiated_features() const override { return driver_features_; }

  std::unique_ptr<VirtioDevice> device_;
  const GuestMemory* memory_;
  IrqLine* irq_;

  // Serialises register access from several vCPUs with device callbacks.
  mutable std::recursive_mutex mu_;
  uint32_t status_ = 0;
  uint32_t device_features_select_ = 0;
  uint32_t driver_features_select_ = 0;
  uint64_t driver_features_ = 0;
  uint32_t queue_select_ = 0;
  uint32_t interrupt_status_ = 0;
  uint32_t config_generation_ = 0;
  bool irq_level_ = false;
  std::string needs_reset_reason_;
  std::vector<QueueRegisters> queue_registers_;
  std::vector<SplitQueue> queues_;
};

}  // namespace tinyrange::virtio
