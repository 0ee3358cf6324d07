#include "guest-init/exit_status.h"

#include <errno.h>
#include <sys/wait.h>

#include "vmm/devices/control_device_abi.h"

namespace tinyrange {

uint32_t ExitStatusFromWait(int wait_status) {
  if (WIFEXITED(wait_status)) return static_cast<uint32_t>(WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) return 128u + static_cast<uint32_t>(WTERMSIG(wait_status));
  // Stopped or continued: not a final status. Callers only pass final ones,
  // so this is guest-init's own failure if it ever happens.
  return control::kExitInitFailure;
}

int ExecFailureExitCode(int err) {
  return err == ENOENT ? static_cast<int>(control::kExitNotFound)
                       : static_cast<int>(control::kExitNotExecutable);
}

}  // namespace tinyrange
