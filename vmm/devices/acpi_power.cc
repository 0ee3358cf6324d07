#include "vmm/devices/acpi_power.h"

#include "vmm/arch/x86_64/layout.h"

namespace tinyrange {

namespace {

constexpr uint64_t kSleepControl = 0;
constexpr uint64_t kReset = x86::kAcpiResetPort - x86::kAcpiSleepControlPort;
constexpr uint8_t kSleepEnable = 1 << 5;
constexpr uint8_t kSleepTypeShift = 2;
constexpr uint8_t kSleepTypeMask = 0x7;

}  // namespace

void AcpiPower::Read(uint64_t, std::span<uint8_t> data) {
  // Sleep status reads as "not woken"; the other registers read as zero.
  StoreLittleEndian(data, 0);
}

void AcpiPower::Write(uint64_t offset, std::span<const uint8_t> data) {
  if (data.empty()) return;
  uint8_t value = data[0];
  if (offset == kSleepControl) {
    uint8_t type = (value >> kSleepTypeShift) & kSleepTypeMask;
    if ((value & kSleepEnable) && type == x86::kAcpiS5SleepType && on_power_off_) on_power_off_();
  } else if (offset == kReset && value == x86::kAcpiResetValue && on_reset_) {
    on_reset_();
  }
}

}  // namespace tinyrange
