#include "vmm/virtio/virtio_mmio.h"

#include <algorithm>

namespace tinyrange::virtio {

namespace {

// Register offsets (virtio 1.x, 4.2.2).
constexpr uint64_t kMagicValue = 0x000;
constexpr uint64_t kVersion = 0x004;
constexpr uint64_t kDeviceId = 0x008;
constexpr uint64_t kVendorId = 0x00c;
constexpr uint64_t kDeviceFeatures = 0x010;
constexpr uint64_t kDeviceFeaturesSel = 0x014;
constexpr uint64_t kDriverFeatures = 0x020;
constexpr uint64_t kDriverFeaturesSel = 0x024;
constexpr uint64_t kQueueSel = 0x030;
constexpr uint64_t kQueueNumMax = 0x034;
constexpr uint64_t kQueueNum = 0x038;
constexpr uint64_t kQueueReady = 0x044;
constexpr uint64_t kQueueNotify = 0x050;
constexpr uint64_t kInterruptStatus = 0x060;
constexpr uint64_t kInterruptAck = 0x064;
constexpr uint64_t kStatus = 0x070;
constexpr uint64_t kQueueDescLow = 0x080;
constexpr uint64_t kQueueDescHigh = 0x084;
constexpr uint64_t kQueueDriverLow = 0x090;
constexpr uint64_t kQueueDriverHigh = 0x094;
constexpr uint64_t kQueueDeviceLow = 0x0a0;
constexpr uint64_t kQueueDeviceHigh = 0x0a4;
constexpr uint64_t kShmSel = 0x0ac;
constexpr uint64_t kShmLenLow = 0x0b0;
constexpr uint64_t kShmLenHigh = 0x0b4;
constexpr uint64_t kShmBaseLow = 0x0b8;
constexpr uint64_t kShmBaseHigh = 0x0bc;
constexpr uint64_t kConfigGeneration = 0x0fc;
constexpr uint64_t kConfig = 0x100;

void SetLow(uint64_t& v, uint32_t low) { v = (v & ~0xffffffffULL) | low; }
void SetHigh(uint64_t& v, uint32_t high) { v = (v & 0xffffffffULL) | (static_cast<uint64_t>(high) << 32); }

}  // namespace

VirtioMmioTransport::VirtioMmioTransport(std::unique_ptr<VirtioDevice> device, const GuestMemory* memory,
                                         IrqLine* irq)
    : device_(std::move(device)), memory_(memory), irq_(irq) {
  queue_registers_.resize(device_->queue_count());
  queues_.resize(device_->queue_count());
}

uint64_t VirtioMmioTransport::offered_features() const {
  return device_->device_features() | kFeatureVersion1 | kFeatureIndirectDesc | kFeatureEventIdx;
}

uint32_t VirtioMmioTransport::status() const {
  std::lock_guard lock(mu_);
  return status_;
}

std::string VirtioMmioTransport::needs_reset_reason() const {
  std::lock_guard lock(mu_);
  return needs_reset_reason_;
}

void VirtioMmioTransport::Read(uint64_t offset, std::span<uint8_t> data) {
  std::lock_guard lock(mu_);
  if (offset >= kConfig) {
    device_->ReadConfig(offset - kConfig, data);
    return;
  }
  uint32_t value = data.size() == 4 && offset % 4 == 0 ? ReadRegister(offset) : 0;
  StoreLittleEndian(data, value);
}

void VirtioMmioTransport::Write(uint64_t offset, std::span<const uint8_t> data) {
  std::lock_guard lock(mu_);
  if (offset >= kConfig) {
    device_->WriteConfig(offset - kConfig, data);
    return;
  }
  if (data.size() != 4 || offset % 4 != 0) return;
  WriteRegister(offset, static_cast<uint32_t>(LoadLittleEndian(data)));
}

uint32_t VirtioMmioTransport::ReadRegister(uint64_t offset) {
  QueueRegisters* q = queue_select_ < queue_registers_.size() ? &queue_registers_[queue_select_] : nullptr;
  switch (offset) {
    case kMagicValue: return kMmioMagic;
    case kVersion: return kMmioVersion;
    case kDeviceId: return device_->device_id();
    case kVendorId: return kMmioVendorId;
    case kDeviceFeatures:
      return device_features_select_ < 2
                 ? static_cast<uint32_t>(offered_features() >> (32 * device_features_select_))
                 : 0;
    case kQueueNumMax: return q ? device_->queue_max_size() : 0;
    case kQueueReady: return q && q->ready ? 1 : 0;
    case kInterruptStatus: return interrupt_status_;
    case kStatus: return status_;
    case kShmLenLow:
    case kShmLenHigh: return 0xffffffff;  // no shared memory regions
    case kShmBaseLow:
    case kShmBaseHigh: return 0;
    case kConfigGeneration: return config_generation_;
    default: return 0;
  }
}

void VirtioMmioTransport::WriteRegister(uint64_t offset, uint32_t value) {
  QueueRegisters* q = queue_select_ < queue_registers_.size() ? &queue_registers_[queue_select_] : nullptr;
  // Queue layout may only change while the queue is not ready.
  bool queue_writable = q && !q->ready;
  switch (offset) {
    case kDeviceFeaturesSel: device_features_select_ = value; break;
    case kDriverFeaturesSel: driver_features_select_ = value; break;
    case kDriverFeatures:
      // Only before FEATURES_OK; later writes are ignored.
      if (status_ & kStatusFeaturesOk) break;
      if (driver_features_select_ == 0) SetLow(driver_features_, value);
      if (driver_features_select_ == 1) SetHigh(driver_features_, value);
      break;
    case kQueueSel: queue_select_ = value; break;
    case kQueueNum:
      if (queue_writable) q->size = static_cast<uint16_t>(std::min<uint32_t>(value, 0xffff));
      break;
    case kQueueDescLow: if (queue_writable) SetLow(q->descriptors, value); break;
    case kQueueDescHigh: if (queue_writable) SetHigh(q->descriptors, value); break;
    case kQueueDriverLow: if (queue_writable) SetLow(q->driver_area, value); break;
    case kQueueDriverHigh: if (queue_writable) SetHigh(q->driver_area, value); break;
    case kQueueDeviceLow: if (queue_writable) SetLow(q->device_area, value); break;
    case kQueueDeviceHigh: if (queue_writable) SetHigh(q->device_area, value); break;
    case kQueueReady:
      // Queues are enabled and disabled only before DRIVER_OK (we offer no
      // per-queue reset): a live device uses its queues from its own
      // threads, so a queue must not change under it. Linux disables its
      // queues after resetting the device, when DRIVER_OK is clear.
      if (!q || (status_ & kStatusDriverOk)) break;
      if (value == 0) {
        q->ready = false;
        queues_[queue_select_].Reset();
      } else if (!q->ready) {
        if (q->size > device_->queue_max_size()) {
          NeedsReset("queue " + std::to_string(queue_select_) + " size exceeds QueueNumMax");
          break;
        }
        std::string error = queues_[queue_select_].Configure(
            memory_, {q->size, q->descriptors, q->driver_area, q->device_area},
            (driver_features_ & kFeatureEventIdx) != 0);
        if (!error.empty()) {
          NeedsReset("queue " + std::to_string(queue_select_) + ": " + error);
          break;
        }
        q->ready = true;
      }
      break;
    case kQueueNotify:
      NotifyLocked(value);
      break;
    case kInterruptAck:
      interrupt_status_ &= ~value;
      UpdateInterruptLocked();
      break;
    case kStatus: SetStatus(value); break;
    case kShmSel: break;
    default: break;  // read-only or unknown: ignored
  }
}

void VirtioMmioTransport::NotifyLocked(uint32_t queue_index) {
  if ((status_ & kStatusDriverOk) && !(status_ & kStatusNeedsReset) && queue_index < queues_.size() &&
      queue_registers_[queue_index].ready) {
    device_->QueueNotify(static_cast<uint16_t>(queue_index));
  }
}

void VirtioMmioTransport::Notify(uint32_t queue_index) {
  std::lock_guard lock(mu_);
  NotifyLocked(queue_index);
}

void VirtioMmioTransport::SetStatus(uint32_t value) {
  if (value == 0) {
    ResetLocked();
    return;
  }
  // The driver may only add bits (other than through a reset).
  uint32_t added = value & ~status_;
  if (added & kStatusFeaturesOk) {
    bool subset = (driver_features_ & ~offered_features()) == 0;
    if (!subset || !(driver_features_ & kFeatureVersion1)) {
      value &= ~kStatusFeaturesOk;  // the driver reads it back and gives up
    }
  }
  if ((added & kStatusDriverOk) && !(status_ & kStatusFeaturesOk) && !(value & kStatusFeaturesOk)) {
    value &= ~kStatusDriverOk;
  }
  status_ = value | (status_ & kStatusNeedsReset);
  if ((added & kStatusDriverOk) && (status_ & kStatusDriverOk)) device_->Activate(this);
}

void VirtioMmioTransport::ResetLocked() {
  device_->Reset();
  status_ = 0;
  driver_features_ = 0;
  device_features_select_ = driver_features_select_ = queue_select_ = 0;
  interrupt_status_ = 0;
  needs_reset_reason_.clear();
  for (auto& q : queue_registers_) q = {};
  for (auto& q : queues_) q.Reset();
  UpdateInterruptLocked();
}

void VirtioMmioTransport::UpdateInterruptLocked() {
  bool level = interrupt_status_ != 0;
  if (level != irq_level_) {
    irq_level_ = level;
    if (irq_) irq_->SetLevel(level);
  }
}

void VirtioMmioTransport::NotifyUsed(uint16_t queue_index) {
  std::lock_guard lock(mu_);
  if (queue_index >= queues_.size() || !queues_[queue_index].ShouldInterrupt()) return;
  interrupt_status_ |= kInterruptUsedBuffer;
  UpdateInterruptLocked();
}

void VirtioMmioTransport::NotifyConfigChanged() {
  std::lock_guard lock(mu_);
  ++config_generation_;
  interrupt_status_ |= kInterruptConfigChange;
  UpdateInterruptLocked();
}

void VirtioMmioTransport::NeedsReset(const std::string& why) {
  std::lock_guard lock(mu_);
  if (needs_reset_reason_.empty()) needs_reset_reason_ = why;
  status_ |= kStatusNeedsReset;
  // Drivers learn of DEVICE_NEEDS_RESET through a configuration change.
  ++config_generation_;
  interrupt_status_ |= kInterruptConfigChange;
  UpdateInterruptLocked();
}

}  // namespace tinyrange::virtio
