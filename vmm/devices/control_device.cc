#include "vmm/devices/control_device.h"

#include "vmm/devices/control_device_abi.h"

namespace tinyrange {

namespace {
constexpr uint64_t kExitStatus = control::kControlExitStatusPort - control::kControlPortBase;
constexpr uint64_t kBootMark = control::kControlBootMarkPort - control::kControlPortBase;
constexpr uint64_t kMagic = control::kControlMagicPort - control::kControlPortBase;
// Only a bounded number of markers is kept, so a guest that loops writing
// them cannot grow the VMM's memory.
constexpr size_t kMaxBootMarks = 1024;
}  // namespace

void ControlDevice::Read(uint64_t offset, std::span<uint8_t> data) {
  uint64_t value = offset == kMagic ? control::kControlMagic : 0;
  StoreLittleEndian(data, value);
}

void ControlDevice::Write(uint64_t offset, std::span<const uint8_t> data) {
  uint32_t value = static_cast<uint32_t>(LoadLittleEndian(data));
  if (offset == kExitStatus) {
    if (on_exit_status_) on_exit_status_(value);
  } else if (offset == kBootMark) {
    auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mu_);
    if (marks_.size() < kMaxBootMarks) marks_.push_back({value, now - start_});
  }
}

std::vector<BootMark> ControlDevice::boot_marks() const {
  std::lock_guard lock(mu_);
  return marks_;
}

}  // namespace tinyrange
