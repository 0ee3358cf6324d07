// What a virtio device implements; the transport (virtio_mmio.h) does the
// rest: feature negotiation, queue setup, status, interrupts.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "vmm/virtio/split_queue.h"

namespace tinyrange::virtio {

// Feature bits common to every device (virtio 1.x, section 6).
inline constexpr uint64_t kFeatureIndirectDesc = 1ULL << 28;
inline constexpr uint64_t kFeatureEventIdx = 1ULL << 29;
inline constexpr uint64_t kFeatureVersion1 = 1ULL << 32;

// Device ids.
inline constexpr uint32_t kDeviceIdNet = 1;
inline constexpr uint32_t kDeviceIdBlock = 2;
inline constexpr uint32_t kDeviceIdConsole = 3;
inline constexpr uint32_t kDeviceIdFs = 26;

// Copies config-space bytes [offset, offset + out.size()) of a device whose
// config structure is `config`; bytes past its end read as zero.
inline void ReadConfigBytes(std::span<const uint8_t> config, uint64_t offset, std::span<uint8_t> out) {
  for (size_t i = 0; i < out.size(); ++i) out[i] = offset + i < config.size() ? config[offset + i] : 0;
}

// The transport's services to a running device.
class VirtioContext {
 public:
  virtual ~VirtioContext() = default;
  virtual SplitQueue& queue(uint16_t index) = 0;
  // Raises the used-buffer interrupt if the driver wants one for `queue`.
  virtual void NotifyUsed(uint16_t queue) = 0;
  // The device's configuration changed (a new generation): tell the driver.
  virtual void NotifyConfigChanged() = 0;
  // The guest broke the protocol: set DEVICE_NEEDS_RESET and tell the driver.
  virtual void NeedsReset(const std::string& why) = 0;
  virtual uint64_t negotiated_features() const = 0;
};

class VirtioDevice {
 public:
  virtual ~VirtioDevice() = default;
  virtual uint32_t device_id() const = 0;
  // Device-specific features; the transport adds VERSION_1, INDIRECT_DESC
  // and EVENT_IDX.
  virtual uint64_t device_features() const = 0;
  virtual uint16_t queue_count() const = 0;
  virtual uint16_t queue_max_size() const = 0;
  virtual void ReadConfig(uint64_t offset, std::span<uint8_t> data) = 0;
  virtual void WriteConfig(uint64_t offset, std::span<const uint8_t> data) = 0;
  // The driver set DRIVER_OK; `context` stays valid until Reset().
  virtual void Activate(VirtioContext* context) = 0;
  // The driver kicked `queue` (only after Activate).
  virtual void QueueNotify(uint16_t queue) = 0;
  // The driver reset the device: drop all state from the last activation.
  virtual void Reset() = 0;
};

}  // namespace tinyrange::virtio
