#include "guest-init/exit_status.h"

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace tinyrange {
namespace {

// A real wait status from a child that exits with `code`, or dies of
// `signal` when signal != 0, so the test does not depend on how the
// encoding macros are spelled.
int RealWaitStatus(int code, int signal) {
  pid_t pid = fork();
  if (pid == 0) {
    if (signal != 0) {
      struct sigaction sa = {};
      sa.sa_handler = SIG_DFL;
      sigaction(signal, &sa, nullptr);
      raise(signal);
    }
    _exit(code);
  }
  int status = 0;
  EXPECT_EQ(waitpid(pid, &status, 0), pid);
  return status;
}

TEST(ExitStatusTest, ExitCodesPassThrough) {
  EXPECT_EQ(ExitStatusFromWait(RealWaitStatus(0, 0)), 0u);
  EXPECT_EQ(ExitStatusFromWait(RealWaitStatus(3, 0)), 3u);
  EXPECT_EQ(ExitStatusFromWait(RealWaitStatus(125, 0)), 125u);
  EXPECT_EQ(ExitStatusFromWait(RealWaitStatus(255, 0)), 255u);
}

TEST(ExitStatusTest, SignalsBecome128PlusTheSignal) {
  EXPECT_EQ(ExitStatusFromWait(RealWaitStatus(0, SIGTERM)), 128u + SIGTERM);
  EXPECT_EQ(ExitStatusFromWait(RealWaitStatus(0, SIGKILL)), 137u);
  EXPECT_EQ(ExitStatusFromWait(RealWaitStatus(0, SIGINT)), 130u);
  EXPECT_EQ(ExitStatusFromWait(RealWaitStatus(0, SIGUSR1)), 128u + SIGUSR1);
}

TEST(ExitStatusTest, ExecFailures) {
  EXPECT_EQ(ExecFailureExitCode(ENOENT), 127);
  EXPECT_EQ(ExecFailureExitCode(EACCES), 126);
  EXPECT_EQ(ExecFailureExitCode(ENOEXEC), 126);
  EXPECT_EQ(ExecFailureExitCode(ENAMETOOLONG), 126);
}

}  // namespace
}  // namespace tinyrange
