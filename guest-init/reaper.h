// PID 1 duties after the command started: every orphan in the guest becomes
// a child of init and must be reaped, or it stays a zombie forever.
#pragma once

#include <sys/types.h>

#include <cstdint>

namespace tinyrange {

// Reaps children (the command and any orphans) until `command` exits, and
// returns its status as the host will see it (see exit_status.h).
uint32_t WaitForCommand(pid_t command);

// Ends every process left in the guest: SIGTERM (and SIGCONT, so stopped
// ones can act on it), a short grace period, then SIGKILL; reaps them all.
void TerminateRemainingProcesses();

}  // namespace tinyrange
