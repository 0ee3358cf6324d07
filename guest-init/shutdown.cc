#include "guest-init/shutdown.h"

#include <stdio.h>
#include <sys/reboot.h>
#include <unistd.h>

#include "guest-init/control_port.h"
#include "guest-init/log.h"

namespace tinyrange {

void Shutdown(uint32_t status) {
  sync();
  if (ControlPortOpen()) {
    WriteExitStatus(status);
  } else {
    // Without the control device the console is the only place the status
    // can go (another VMM, or a test that runs guest-init in namespaces).
    char text[16];
    snprintf(text, sizeof(text), "%u", status);
    LogError("exit status", text);
  }
  reboot(RB_POWER_OFF);
  reboot(RB_AUTOBOOT);
  for (;;) pause();
}

}  // namespace tinyrange
