// The ACPI hardware-reduced sleep and reset registers named by our FADT.
// Writing SLP_TYP=S5 with SLP_EN to the sleep control register is how a
// guest's `poweroff` reaches us; writing the reset value to the reset
// register is an ACPI reboot. Both end the VM.
#pragma once

#include <functional>

#include "vmm/devices/bus.h"

namespace tinyrange {

class AcpiPower : public BusDevice {
 public:
  // Spans the three one-byte registers starting at kAcpiSleepControlPort.
  static constexpr uint64_t kPortSpan = 3;

  AcpiPower(std::function<void()> on_power_off, std::function<void()> on_reset)
      : on_power_off_(std::move(on_power_off)), on_reset_(std::move(on_reset)) {}

  void Read(uint64_t offset, std::span<uint8_t> data) override;
  void Write(uint64_t offset, std::span<const uint8_t> data) override;

 private:
  std::function<void()> on_power_off_;
  std::function<void()> on_reset_;
};

}  // namespace tinyrange
