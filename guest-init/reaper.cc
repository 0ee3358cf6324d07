#include "guest-init/reaper.h"

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "guest-init/exit_status.h"
#include "guest-init/log.h"
#include "vmm/devices/control_device_abi.h"

namespace tinyrange {

namespace {

int64_t NowMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// Reaps until no child is left (true) or `timeout_ms` has passed (false).
bool ReapAll(int64_t timeout_ms) {
  int64_t deadline = NowMs() + timeout_ms;
  for (;;) {
    pid_t r = waitpid(-1, nullptr, WNOHANG);
    if (r > 0) continue;
    if (r < 0 && errno == ECHILD) return true;
    if (r < 0 && errno == EINTR) continue;
    if (NowMs() >= deadline) return false;
    timespec pause = {0, 2 * 1000 * 1000};
    nanosleep(&pause, nullptr);
  }
}

}  // namespace

uint32_t WaitForCommand(pid_t command) {
  for (;;) {
    int status = 0;
    pid_t r = waitpid(-1, &status, 0);
    if (r == command) return ExitStatusFromWait(status);
    if (r < 0 && errno != EINTR) {
      LogErrno("wait for the command", errno);
      return control::kExitInitFailure;
    }
  }
}

void TerminateRemainingProcesses() {
  // kill(-1) reaches every process but init itself; ESRCH means there was
  // nobody left, the common case, which then costs nothing.
  if (kill(-1, SIGTERM) != 0) {
    ReapAll(0);
    return;
  }
  kill(-1, SIGCONT);
  if (ReapAll(200)) return;
  kill(-1, SIGKILL);
  // A process in uninterruptible sleep may never die; do not hang on it.
  ReapAll(1000);
}

}  // namespace tinyrange
