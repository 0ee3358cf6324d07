// The tinyrange control device (see control_device_abi.h): the guest's
// exit status and boot-progress markers.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

#include "vmm/devices/bus.h"

namespace tinyrange {

struct BootMark {
  uint32_t code;
  std::chrono::nanoseconds since_start;
};

class ControlDevice : public BusDevice {
 public:
  ControlDevice(std::chrono::steady_clock::time_point start,
                std::function<void(uint32_t status)> on_exit_status)
      : start_(start), on_exit_status_(std::move(on_exit_status)) {}

  void Read(uint64_t offset, std::span<uint8_t> data) override;
  void Write(uint64_t offset, std::span<const uint8_t> data) override;

  std::vector<BootMark> boot_marks() const;

 private:
  std::chrono::steady_clock::time_point start_;
  std::function<void(uint32_t)> on_exit_status_;
  mutable std::mutex mu_;
  std::vector<BootMark> marks_;
};

}  // namespace tinyrange
