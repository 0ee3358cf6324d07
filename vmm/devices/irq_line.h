// An interrupt line from a device to the guest's interrupt controller.
// KVM implements it with KVM_IRQ_LINE; tests record the level.
#pragma once

namespace tinyrange {

class IrqLine {
 public:
  virtual ~IrqLine() = default;
  virtual void SetLevel(bool high) = 0;
};

}  // namespace tinyrange
