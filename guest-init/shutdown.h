// The end of the guest.
#pragma once

#include <cstdint>

namespace tinyrange {

// Syncs filesystems and reports `status` to the VMM through the control
// device, which ends the VM at once. Without that device it prints
// "guest-init: exit status: <n>" on the console, then powers off, or reboots
// if that fails, so another VMM still sees the guest stop. PID 1 must never
// exit, so this does not return.
[[noreturn]] void Shutdown(uint32_t status);

}  // namespace tinyrange
