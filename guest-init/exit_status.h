// How the command's fate becomes the single number the host sees, following
// the shell conventions users already know.
#pragma once

#include <cstdint>

namespace tinyrange {

// The status for a wait(2) status word: the exit code, or 128 + the signal
// number for a process killed by a signal.
uint32_t ExitStatusFromWait(int wait_status);

// The exit code of the child when exec of the command fails with `err`:
// 127 if the command does not exist (ENOENT), 126 for anything else (found
// but not runnable: permission, format, ...).
int ExecFailureExitCode(int err);

}  // namespace tinyrange
