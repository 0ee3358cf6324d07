// A minimal PS/2 controller (i8042). A Linux guest uses it for one thing
// that matters to us: `reboot=k` resets the machine by pulsing the CPU
// reset line through it, which ends the VM. It also answers the
// controller and keyboard probes so the guest's driver settles quickly.
#pragma once

#include <deque>
#include <functional>
#include <mutex>

#include "vmm/devices/bus.h"
#include "vmm/devices/irq_line.h"

namespace tinyrange {

class I8042 : public BusDevice {
 public:
  // The device spans ports 0x60..0x64; offsets 0 (data) and 4 (command).
  static constexpr uint64_t kPortSpan = 5;

  I8042(IrqLine* keyboard_irq, std::function<void()> on_reset)
      : irq_(keyboard_irq), on_reset_(std::move(on_reset)) {}

  void Read(uint64_t offset, std::span<uint8_t> data) override;
  void Write(uint64_t offset, std::span<const uint8_t> data) override;

 private:
  void Command(uint8_t command);
  void Data(uint8_t value);
  void Respond(std::initializer_list<uint8_t> bytes);
  void UpdateInterrupt();

  IrqLine* irq_;
  std::function<void()> on_reset_;
  std::mutex mu_;
  std::deque<uint8_t> output_;
  uint8_t control_ = 0x01 | 0x04 | 0x40;  // kbd interrupt, system flag, translation
  int pending_command_ = -1;              // a command waiting for its data byte
  bool irq_level_ = false;
};

}  // namespace tinyrange
