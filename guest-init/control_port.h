// guest-init's side of the tinyrange control device
// (vmm/devices/control_device_abi.h): boot markers and the final status.
#pragma once

#include <cstdint>

namespace tinyrange {

// Gains access to the control ports with ioperm(2) and checks the magic
// register, so that on another VMM (or real hardware) nothing is written to
// ports that may mean something else. Returns whether the device is usable;
// failure is normal there and is not reported.
bool OpenControlPort();

// Gives the port access back (before exec of the command, which must not
// inherit it).
void CloseControlPort();

// Whether the last OpenControlPort() in this process succeeded.
bool ControlPortOpen();

// Both do nothing unless OpenControlPort() succeeded in this process.
void WriteBootMark(uint32_t mark);
void WriteExitStatus(uint32_t status);

}  // namespace tinyrange
