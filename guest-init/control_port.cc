#include "guest-init/control_port.h"

#include <sys/io.h>

#include "vmm/devices/control_device_abi.h"

namespace tinyrange {

namespace {
bool g_open = false;      // this process may use the ports now
bool g_verified = false;  // the magic register answered once
}  // namespace

bool OpenControlPort() {
  // ioperm again even when already open: a forked child must not rely on
  // inheriting the parent's permission bitmap, and an outl without
  // permission would kill it with SIGSEGV.
  if (ioperm(control::kControlPortBase, control::kControlPortCount, 1) != 0) {
    g_open = false;
    return false;
  }
  if (!g_verified) {
    if (inl(control::kControlMagicPort) != control::kControlMagic) {
      ioperm(control::kControlPortBase, control::kControlPortCount, 0);
      return false;
    }
    g_verified = true;
  }
  g_open = true;
  return true;
}

bool ControlPortOpen() { return g_open; }

void CloseControlPort() {
  if (!g_open) return;
  ioperm(control::kControlPortBase, control::kControlPortCount, 0);
  g_open = false;
}

void WriteBootMark(uint32_t mark) {
  if (g_open) outl(mark, control::kControlBootMarkPort);
}

void WriteExitStatus(uint32_t status) {
  if (g_open) outl(status, control::kControlExitStatusPort);
}

}  // namespace tinyrange
